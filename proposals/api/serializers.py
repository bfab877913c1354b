"""Proposal and status-event input, and the documented shape of what the API returns for them.

Reads are built as plain dicts in `representations.py` for speed; the `*Output` serializers here describe that
shape for the OpenAPI schema only (a test checks real responses against the schema).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from people.models import Delegate
from proposals import services
from proposals.lifecycle import Status
from proposals.models import Authority, Proposal, Session, Source, StatusEvent, Theme
from tracker.api.fields import APIModelSerializer, LinkOrKeyField, ModelRulesMixin, TextField, self_link


class StatusEventSerializer(APIModelSerializer):
    """A status event. Writes go through the timeline service, so the lifecycle rules apply."""

    url = self_link("statusevent")
    proposal = LinkOrKeyField("proposal", queryset=Proposal.objects.all())
    source = LinkOrKeyField("source", queryset=Source.objects.all())
    authority = LinkOrKeyField("authority", queryset=Authority.objects.all(), required=False, allow_null=True)

    reply_owed_by = LinkOrKeyField(
        "authority", read_only=True, allow_null=True,
        help_text="The authority that owes the reply this event opens (a referral or rehandling), if any.")
    reply_settled_by = LinkOrKeyField(
        "statusevent", read_only=True, allow_null=True,
        help_text="The later event that settled that reply (a reply, a closure, an adoption…); null while owed.")
    overdue = serializers.BooleanField(read_only=True, help_text="The reply this event opens is owed and late.")

    class Meta:
        model = StatusEvent
        fields = [
            "url", "id", "proposal", "date", "date_approximate", "status", "note", "source", "authority",
            "handling_role", "reply_grade", "reply_url", "reply_public", "verdict", "adopted_in",
            "reply_due_on", "reply_owed_by", "reply_settled_by", "overdue", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "reply_due_on", "created_at", "updated_at"]
        extra_kwargs = {"reply_due_on": {"help_text": "When the reply this event opens is due; null if it opens "
                                                      "none. Decided by the lifecycle when the timeline is saved."}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # An event stays on its proposal's timeline; record a new one elsewhere instead of moving it.
            fields["proposal"].read_only = True
        return fields

    def create(self, validated_data):
        proposal = validated_data.pop("proposal")
        return services.record_status(proposal, **validated_data)

    def update(self, instance, validated_data):
        return services.change_status_event(instance, **validated_data)


class RecordStatusSerializer(StatusEventSerializer):
    """A new step on the timeline of the proposal named in the address."""

    proposal = LinkOrKeyField("proposal", read_only=True)

    def create(self, validated_data):
        return services.record_status(self.context["proposal"], **validated_data)


class TimelineStepInput(StatusEventSerializer):
    """A step of the timeline a new proposal is created with."""

    proposal = None  # the proposal being created

    class Meta(StatusEventSerializer.Meta):
        fields = [name for name in StatusEventSerializer.Meta.fields if name != "proposal"]


class ProposalInputSerializer(ModelRulesMixin, APIModelSerializer):
    """What an editor sends to create or change a proposal. Its status comes only from its timeline."""

    # Shown in responses but set by the server: named read-only when a write sends them.
    shown_fields = ("url", "id", "status", "status_date", "reply_due_on", "overdue", "lead_sponsor", "created_at",
                    "updated_at")

    session = LinkOrKeyField("session", queryset=Session.objects.select_related("body"))
    themes = LinkOrKeyField("theme", queryset=Theme.objects.all(), many=True, required=False)
    sources = LinkOrKeyField("source", queryset=Source.objects.all(), many=True, required=False)
    related = LinkOrKeyField("proposal", queryset=Proposal.objects.all(), many=True, required=False)
    # The model's summary_en; API v1 keeps the name clients know.
    summary = TextField(source="summary_en", help_text="The summary in English.",
                        max_length=Proposal._meta.get_field("summary_en").max_length)
    published = serializers.BooleanField(
        required=False, help_text="A new proposal is a draft, seen by editors only, until this is true; false takes "
        "it back to draft. Publishing is recorded in the proposal's history.")
    sponsors = serializers.ListField(
        child=LinkOrKeyField("delegate", queryset=Delegate.objects.all()), required=False, max_length=100,
        help_text="Sponsoring delegates, the lead sponsor (领衔) first. Replaces the current list when given.",
    )

    timeline = TimelineStepInput(
        many=True, required=False, max_length=100,
        help_text="Only when creating: the proposal's first steps, oldest first, checked by the lifecycle as one "
        "timeline; the proposal and its steps are created together or not at all. Later steps go to "
        "/proposals/{id}/status-events/.")

    class Meta:
        model = Proposal
        fields = [
            "title_en", "title_zh", "slug", "summary", "summary_zh", "full_text", "kind", "number", "session",
            "themes", "sources", "related", "sponsors", "published", "timeline",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["timeline"].read_only = True  # an existing timeline changes step by step, each one checked
        return fields

    @transaction.atomic
    def create(self, validated_data):
        sponsors = validated_data.pop("sponsors", [])
        published = validated_data.pop("published", False)
        steps = validated_data.pop("timeline", [])
        proposal = super().create(validated_data)
        services.set_sponsors(proposal, sponsors)  # the first one leads
        if steps:
            try:
                services.save_timeline(proposal, add=[StatusEvent(**step) for step in steps])
            except DjangoValidationError as error:
                # Raised inside this atomic block: the proposal is not created either.
                raise serializers.ValidationError({"timeline": error.messages}) from None
            proposal.refresh_from_db()
        if published:
            services.publish(proposal)
        return proposal

    @transaction.atomic
    def update(self, instance, validated_data):
        sponsors = validated_data.pop("sponsors", None)
        published = validated_data.pop("published", None)
        proposal = super().update(instance, validated_data)  # saves, so updated_at moves on for sync
        if sponsors is not None:
            services.set_sponsors(proposal, sponsors)
        if published is True:
            services.publish(proposal)
        elif published is False:
            services.unpublish(proposal)
        return proposal

    def validate_related(self, related):
        if self.instance is not None:
            self.instance.check_related(related)
        return related


# The documented output shapes.

def _link(**kwargs):
    return serializers.URLField(read_only=True, **kwargs)


class ProposalOutput(serializers.Serializer):
    url = _link()
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    title_zh = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    summary_zh = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=[("", "unknown"), *Proposal.Kind.choices], read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=[("", "no status yet"), *Status.choices], read_only=True,
        help_text="The status of the latest event on the timeline.",
    )
    status_date = serializers.DateField(read_only=True, allow_null=True)
    reply_due_on = serializers.DateField(read_only=True, allow_null=True, help_text="When a reply is owed.")
    overdue = serializers.BooleanField(read_only=True, help_text="A reply is owed and its date has passed.")
    session = _link()
    themes = serializers.ListField(child=_link(), read_only=True)
    sponsors = serializers.ListField(child=_link(), read_only=True, help_text="Delegates, the lead sponsor first.")
    lead_sponsor = _link(allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, help_text="Moves on with every change, timeline included.")


class EmbeddedNamed(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    url = _link()
    name_en = serializers.CharField(read_only=True)
    name_zh = serializers.CharField(read_only=True)


class EmbeddedSponsor(EmbeddedNamed):
    name_pinyin = serializers.CharField(read_only=True)
    lead = serializers.BooleanField(read_only=True, help_text="The lead sponsor (领衔).")


class EmbeddedSession(EmbeddedNamed):
    year = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True, help_text="The body's slug.")


class EmbeddedSource(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = _link()
    source_url = serializers.CharField(read_only=True, help_text="The cited page, or empty.")
    title = serializers.CharField(read_only=True)
    publisher = serializers.CharField(read_only=True)
    published_on = serializers.DateField(read_only=True, allow_null=True)


class EmbeddedProposal(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    url = _link()
    title_en = serializers.CharField(read_only=True)
    title_zh = serializers.CharField(read_only=True)


class EmbeddedOutput(serializers.Serializer):
    # Not read-only, so that the schema does not mark them required: each is there only when included.
    sponsors = EmbeddedSponsor(many=True, required=False, help_text="With `include=sponsors`: the lead first.")
    themes = EmbeddedNamed(many=True, required=False, help_text="With `include=themes`.")
    session = EmbeddedSession(required=False, help_text="With `include=session`.")
    sources = EmbeddedSource(many=True, required=False, help_text="With `include=sources`.")
    related = EmbeddedProposal(many=True, required=False, help_text="With `include=related`: published ones.")


class ProposalListOutput(ProposalOutput):
    # Not read-only, so that the schema does not mark it required: it is there only when asked for.
    timeline = StatusEventSerializer(many=True, required=False, help_text="Only with `include=timeline`.")
    embedded = EmbeddedOutput(required=False, help_text="What `include` names beyond the timeline.")


class ProposalDetailOutput(ProposalOutput):
    full_text = serializers.CharField(read_only=True)
    sources = serializers.ListField(child=_link(), read_only=True)
    related = serializers.ListField(child=_link(), read_only=True, help_text="The same idea in other years.")
    timeline = StatusEventSerializer(many=True, read_only=True, help_text="Every status event, oldest first.")
    embedded = EmbeddedOutput(required=False, help_text="What `include` names beyond the timeline.")


class SimilarProposalOutput(serializers.Serializer):
    proposal = ProposalOutput(read_only=True)
    score = serializers.FloatField(
        read_only=True, help_text="Cosine similarity of the two texts' embeddings (1: the same). Compare scores "
        "within one response: how high a score runs depends on the model.")


class SimilarProposalsOutput(serializers.Serializer):
    results = SimilarProposalOutput(many=True, read_only=True, help_text="Closest first.")
