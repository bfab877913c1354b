"""The resources proposals point at: bodies, sessions, themes, authorities, sources, delegates, companies."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people.models import Affiliation, Company, CompanyEvent, Delegate, Membership
from proposals.models import Authority, Body, Session, Source, Theme
from tracker.api.base import ResourceViewSet
from tracker.api.fields import LinkOrKeyField, ModelRulesMixin, self_link
from tracker.api.links import Links
from tracker.api.pagination import orderings

from .filters import DelegateFilter, SessionFilter


class ProposalsLinkField(serializers.SerializerMethodField):
    """The proposal list filtered on this object: e.g. a theme's `proposals` is every proposal on it."""

    def __init__(self, parameter, **kwargs):
        self.parameter = parameter
        super().__init__(help_text=f"The proposals list filtered with `{parameter}`.", **kwargs)

    def to_representation(self, instance):
        return Links(self.context.get("request")).proposals_filtered(self.parameter, instance.slug)


ProposalsLinkField = extend_schema_field(OpenApiTypes.URI)(ProposalsLinkField)


class BodySerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("body")
    proposals = ProposalsLinkField("body")

    class Meta:
        model = Body
        fields = ["url", "slug", "name_en", "name_zh", "abbreviation", "kind", "level", "region", "proposals"]


class SessionSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("session")
    body = LinkOrKeyField("body", queryset=Body.objects.all())
    proposals = ProposalsLinkField("session")

    class Meta:
        model = Session
        fields = ["url", "slug", "body", "term", "number", "year", "name_en", "name_zh", "opened_on", "closed_on",
                  "proposals"]


class ThemeSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("theme")
    parent = LinkOrKeyField("theme", queryset=Theme.objects.all(), required=False, allow_null=True)
    proposals = ProposalsLinkField("theme")

    class Meta:
        model = Theme
        fields = ["url", "slug", "name_en", "name_zh", "description", "parent", "proposals"]


class AuthoritySerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("authority")

    class Meta:
        model = Authority
        fields = ["url", "slug", "name_en", "name_zh", "abbreviation", "website"]


class SourceSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("source")
    # The model's own `url` is the cited page; `url` here is the API address, as on every resource.
    source_url = serializers.URLField(source="url", max_length=500, required=False, allow_blank=True)

    class Meta:
        model = Source
        fields = ["url", "id", "source_url", "title", "publisher", "author", "published_on", "quote", "note"]


class MembershipSerializer(serializers.ModelSerializer):
    body = LinkOrKeyField("body", read_only=True)

    class Meta:
        model = Membership
        fields = ["body", "term", "role", "delegation", "started_on", "ended_on"]


class AffiliationOfDelegateSerializer(serializers.ModelSerializer):
    company = LinkOrKeyField("company", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["company", "position", "position_zh", "started_on", "ended_on"]


class AffiliationOfCompanySerializer(serializers.ModelSerializer):
    delegate = LinkOrKeyField("delegate", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["delegate", "position", "position_zh", "started_on", "ended_on"]


class CompanyEventSerializer(serializers.ModelSerializer):
    source = LinkOrKeyField("source", read_only=True)

    class Meta:
        model = CompanyEvent
        fields = ["date", "date_approximate", "kind", "title", "description", "source"]


class DelegateSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("delegate")
    memberships = MembershipSerializer(many=True, read_only=True)
    affiliations = AffiliationOfDelegateSerializer(many=True, read_only=True)
    proposals = ProposalsLinkField("delegate")

    class Meta:
        model = Delegate
        fields = ["url", "slug", "name_en", "name_zh", "name_pinyin", "other_names", "bio", "memberships",
                  "affiliations", "proposals"]


class CompanySerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = self_link("company")
    affiliations = AffiliationOfCompanySerializer(many=True, read_only=True)
    events = CompanyEventSerializer(many=True, read_only=True)
    proposals = ProposalsLinkField("company")

    class Meta:
        model = Company
        fields = ["url", "slug", "name_en", "name_zh", "sector", "website", "description", "affiliations", "events",
                  "proposals"]


class SlugResourceViewSet(ResourceViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    orderings = orderings("slug")
    default_ordering = "slug"


class BodyViewSet(SlugResourceViewSet):
    queryset = Body.objects.all()
    serializer_class = BodySerializer


class SessionViewSet(SlugResourceViewSet):
    queryset = Session.objects.select_related("body")
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    orderings = orderings("slug", "opened_on")


class ThemeViewSet(SlugResourceViewSet):
    queryset = Theme.objects.select_related("parent")
    serializer_class = ThemeSerializer


class AuthorityViewSet(SlugResourceViewSet):
    queryset = Authority.objects.all()
    serializer_class = AuthoritySerializer


class SourceViewSet(ResourceViewSet):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    orderings = orderings("id")
    default_ordering = "-id"


class DelegateViewSet(SlugResourceViewSet):
    queryset = Delegate.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("body")),
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("company")),
    )
    serializer_class = DelegateSerializer
    filterset_class = DelegateFilter


class CompanyViewSet(SlugResourceViewSet):
    queryset = Company.objects.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("delegate")), "events"
    )
    serializer_class = CompanySerializer
