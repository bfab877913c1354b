"""Proposals and their timelines: the fast list, the detail with its timeline, editors' writes, CSV export."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from proposals import services
from proposals.meaning import similar
from proposals.models import Proposal, StatusEvent
from tracker.api import conditional
from tracker.api.base import PlainDictListMixin, ResourceViewSet
from tracker.api.idempotency import idempotent
from tracker.api.links import Links
from tracker.api.pagination import KeysetPagination, orderings
from tracker.api.throttling import AnonExportThrottle, AnonThrottle, UserThrottle
from tracker.caching import depends_only_on, proposal_tag

from . import export, representations
from .embedding import INCLUDES
from .filters import ProposalFilter, StatusEventFilter
from .serializers import (
    ProposalDetailOutput,
    ProposalInputSerializer,
    ProposalListOutput,
    RecordStatusSerializer,
    SimilarProposalsOutput,
    StatusEventSerializer,
)
from .sync import SyncedResourceMixin

# What `fields=` may keep: every field a proposal's list item or detail shows.
SHOWN_FIELDS = {*ProposalDetailOutput().fields, "embedded"}
PROPOSAL_ORDERINGS = orderings("status_date", "updated_at", "id", nullable=("status_date",))


class CanRecordStatus(permissions.BasePermission):
    """Recording a step: the domain's one rule (services.can_record_status), as the admin's bulk action asks it."""

    def has_permission(self, request, view):
        return services.can_record_status(request.user)


class CSVRenderer(BaseRenderer):
    """Lets `Accept: text/csv` and `?format=csv` reach the export, which streams its own response."""

    media_type = "text/csv"
    format = "csv"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


limit_parameter = OpenApiParameter(
    "limit", OpenApiTypes.INT, description=f"How many proposals, 1 to {similar.MAX_LIMIT} (default 10).")
SIMILAR_DESCRIPTION = (
    "Ranked by the cosine similarity of text embeddings (multilingual-e5-small, computed on the server), so the "
    "words need not be shared and either language finds the other. Published proposals only; suggested by the "
    "tracker, not checked by an editor (the editors' links are the proposal's `related`). Where the model cannot "
    "load, a lexical similarity (shared words and characters) stands in."
)


def _limit(request):
    raw = request.query_params.get("limit", "10")
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= similar.MAX_LIMIT:
        raise ValidationError({"limit": [_("Give a whole number from 1 to %(most)s.") % {"most": similar.MAX_LIMIT}]})
    return limit


def _similar_response(request, found):
    """{"results": [{"proposal": …, "score": …}]} in the order found, proposals as the list shows them."""
    fetch = representations.proposal_page_fetcher(Links(request))
    by_id = {item["id"]: item for item in fetch(representations.proposal_values(
        Proposal.objects.published().filter(pk__in=[pk for pk, _score in found])))}
    return Response({"results": [{"proposal": by_id[pk], "score": score} for pk, score in found if pk in by_id]})


include_parameter = OpenApiParameter(
    "include", {"type": "array", "items": {"type": "string", "enum": list(INCLUDES)}}, style="form", explode=False,
    description="Comma-separated: `timeline` adds each proposal's timeline; `sponsors`, `themes`, `session`, "
    "`sources`, `related` add those objects (id, slug, names, url) under `embedded`. One more query per value "
    "for the whole page, whatever its size.",
)
fields_parameter = OpenApiParameter(
    "fields", {"type": "array", "items": {"type": "string", "enum": sorted(SHOWN_FIELDS)}}, style="form",
    explode=False, description="Comma-separated: only these fields of each proposal (e.g. `id,title_en,status`). "
    "Give `embedded` or `timeline` to keep what `include` added.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List proposals",
        description="Filter like the reader pages; keyset pages (follow `next`). Default order: latest status "
        "change first. With `updated_since`, oldest change first, for incremental sync.",
        parameters=[include_parameter, fields_parameter], responses=ProposalListOutput(many=True),
    ),
    retrieve=extend_schema(summary="One proposal with its full timeline", responses=ProposalDetailOutput,
                           parameters=[include_parameter, fields_parameter]),
    create=extend_schema(request=ProposalInputSerializer, responses={201: ProposalDetailOutput}),
    update=extend_schema(request=ProposalInputSerializer, responses=ProposalDetailOutput),
    partial_update=extend_schema(request=ProposalInputSerializer, responses=ProposalDetailOutput),
)
class ProposalViewSet(PlainDictListMixin, SyncedResourceMixin, ResourceViewSet):
    deletion_type = "proposal"
    queryset = Proposal.objects.all()
    serializer_class = ProposalInputSerializer

    def get_queryset(self):
        # Reads show readers' proposals only; editors' writes reach their drafts too. A list asks three times
        # (filters, page, Last-Modified): the filtered queryset is built once and handed out as copies.
        if self.request.method not in permissions.SAFE_METHODS:
            return Proposal.objects.all()
        if getattr(self, "_published", None) is None:
            self._published = Proposal.objects.published()
        return self._published.all()

    filterset_class = ProposalFilter
    orderings = PROPOSAL_ORDERINGS
    default_ordering = "-status_date"
    extra_query_params = ("include", "fields")

    def _listed(self, parameter, allowed):
        # Comma-separated, repeated, or both (generated clients repeat the parameter).
        wanted = {part.strip() for value in self.request.query_params.getlist(parameter) for part in value.split(",")
                  if part.strip()}
        if unknown := wanted - set(allowed):
            raise ValidationError({parameter: [_("Unknown value: %(values)s. Choose from: %(choices)s.") % {
                "values": ", ".join(sorted(unknown)), "choices": ", ".join(sorted(allowed))}]})
        return wanted

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        errors = {}
        for check in (self.includes, self.kept_fields):
            try:
                check()
            except ValidationError as error:
                errors.update(error.detail)
        if errors:
            raise ValidationError(errors)

    def includes(self):
        return self._listed("include", INCLUDES)

    def kept_fields(self):
        kept = self._listed("fields", SHOWN_FIELDS)
        return kept | {"id"} if kept else kept  # a trimmed item still says which proposal it is

    def trimmed(self, item):
        kept = self.kept_fields()
        return {name: value for name, value in item.items() if name in kept} if kept and item else item

    def shape_list(self, results):
        if not (kept := self.kept_fields()):
            return results
        return [{name: value for name, value in item.items() if name in kept} for item in results]

    def representation_variant(self):
        return ";".join(",".join(sorted(self._listed(name, allowed))) for name, allowed in (
            ("include", INCLUDES), ("fields", SHOWN_FIELDS)))

    def fetch_page(self, sliced_queryset):
        return representations.listed_proposals(sliced_queryset, Links(self.request), includes=self.includes())

    def represent(self, instance):
        # One proposal, its timeline and the ids it links to: cached until that proposal is saved (tracker/caching.py).
        depends_only_on(proposal_tag(instance.pk))
        return self.trimmed(representations.proposal_detail(instance.pk, Links(self.request),
                                                            includes=self.includes()))

    @extend_schema(
        summary="Record a status change",
        description="Adds one dated, sourced step to the proposal's timeline. An impossible sequence is a 400 "
        "with the reason. Send the proposal's ETag in If-Match to be refused (412) if someone changed it since.",
        request=RecordStatusSerializer, responses={201: StatusEventSerializer},
    )
    @action(detail=True, methods=["post"], url_path="status-events", permission_classes=[CanRecordStatus])
    @idempotent
    def record_status(self, request, pk=None):
        with transaction.atomic():
            proposal = self.get_object()
            conditional.check_if_match(request, self.validators(proposal)[0])
            serializer = RecordStatusSerializer(data=request.data, context={**self.get_serializer_context(),
                                                                            "proposal": proposal})
            serializer.is_valid(raise_exception=True)
            event = serializer.save()
        return StatusEventViewSet.as_response(request, event, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Proposals similar in meaning to a text", operation_id="proposals_similar_to_text",
        description="The published proposals closest in meaning to `text`, in English or Chinese. "
        + SIMILAR_DESCRIPTION,
        parameters=[
            OpenApiParameter("text", OpenApiTypes.STR, required=True,
                             description="Words, a sentence or a whole proposal, in either language (at most 2,000 "
                             "characters)."),
            limit_parameter,
        ],
        responses=SimilarProposalsOutput,
    )
    @action(detail=False, methods=["get"], url_path="similar", pagination_class=None, filterset_class=None,
            extra_query_params=("text", "limit"))
    def similar_to_text(self, request):
        self.filter_queryset(self.get_queryset())  # refuses parameters the action does not take
        text = request.query_params.get("text", "").strip()
        if not text:
            raise ValidationError({"text": [_("Give the text to compare proposals with.")]})
        if len(text) > 2000:
            raise ValidationError({"text": [_("Give at most 2,000 characters.")]})
        found = similar.to_text(text, limit=_limit(request), proposals=Proposal.objects.published())
        return _similar_response(request, found)

    @extend_schema(
        summary="Proposals similar in meaning to this one", operation_id="proposals_similar_to_proposal",
        description="The published proposals closest in meaning to this one, of any session or year (never itself)."
        " " + SIMILAR_DESCRIPTION,
        parameters=[limit_parameter], responses=SimilarProposalsOutput,
    )
    @action(detail=True, methods=["get"], url_path="similar", pagination_class=None, filterset_class=None,
            extra_query_params=("limit",))
    def similar_to_proposal(self, request, pk=None):
        proposal = self.get_object()
        found = similar.to_proposal(proposal, limit=_limit(request), proposals=Proposal.objects.published(),
                                    min_band=None)
        return _similar_response(request, found)

    @extend_schema(
        summary="Export proposals as CSV",
        description="Every proposal the filters select (no paging), streamed in the list's order.",
        parameters=[OpenApiParameter("ordering", OpenApiTypes.STR, enum=sorted(PROPOSAL_ORDERINGS),
                                     description="Row order (default `-status_date`); ties are broken by id.")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], url_path="export", renderer_classes=[CSVRenderer], pagination_class=None,
            throttle_classes=[AnonThrottle, UserThrottle, AnonExportThrottle])
    def export(self, request):
        self.extra_query_params = ("ordering",)  # the whole list in one response: no cursor, no page size
        queryset = self.filter_queryset(self.get_queryset())
        _name, ordering = KeysetPagination().ordering(request, self)
        # Streamed, so validated by the data version: any write anywhere is a new ETag, an unchanged one a 304.
        etag, last_modified = conditional.list_validators(request, "csv")
        if unchanged := conditional.not_modified(request, etag, last_modified):
            return unchanged
        return conditional.set_validators(export.streaming_csv(queryset, ordering, Links(request)), etag,
                                          last_modified)


@extend_schema_view(
    list=extend_schema(
        summary="List status events",
        description="Every timeline's steps. Default order: latest date first; with `updated_since`, oldest change "
        "first.",
        responses=StatusEventSerializer(many=True),
    ),
)
class StatusEventViewSet(PlainDictListMixin, SyncedResourceMixin, ResourceViewSet):
    deletion_type = "statusevent"
    queryset = StatusEvent.objects.all()
    serializer_class = StatusEventSerializer

    def get_queryset(self):
        return StatusEvent.objects.published() if self.request.method in permissions.SAFE_METHODS else \
            StatusEvent.objects.all()

    filterset_class = StatusEventFilter
    orderings = orderings("date", "updated_at", "id")
    default_ordering = "-date"

    def fetch_page(self, sliced_queryset):
        return representations.event_page_fetcher(Links(self.request))(representations.event_values(sliced_queryset))

    def represent(self, instance):
        return self.event_representation(self.request, instance)

    @staticmethod
    def event_representation(request, instance):
        row = representations.event_values(StatusEvent.objects.filter(pk=instance.pk)).get()
        return representations.event_dict(row, Links(request))

    @classmethod
    def as_response(cls, request, event, status_code):
        from rest_framework.response import Response

        event.refresh_from_db()
        representation = cls.event_representation(request, event)
        etag, last_modified = conditional.object_validators(event)
        response = Response(representation, status=status_code, headers={"Location": representation["url"]})
        return conditional.set_validators(response, etag, last_modified)

    def perform_destroy(self, instance):
        services.delete_status_event(instance)
