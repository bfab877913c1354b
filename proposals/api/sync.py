"""What lets a client's mirror converge: `updated_since` on every resource, the deletions feed, id listings.

A sync walks `?updated_since=` (in `updated_at` order) for what changed and `/deletions/?since=` for what
left the public view (deleted, or taken back to draft); `/<resource>/ids/` lists every id for a full
reconcile. See the sync notes in the API description.
"""

import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from proposals import deletions
from proposals.models import Deletion
from tracker.api import conditional
from tracker.api.base import ValidatedListMixin
from tracker.api.filters import AppliedFilterSet, ChoiceListFilter, InstantFilter
from tracker.api.links import Links
from tracker.api.pagination import orderings

SYNC_ORDERING = "updated_at"
TYPES = sorted(set(deletions.TYPES.values()))


class SyncOrderingMixin:
    """With `updated_since` the walk is in `updated_at` order, the only order in which a sync cannot miss a change."""

    def list_ordering_default(self):
        if not self.request.query_params.get("updated_since"):
            return self.default_ordering
        chosen = self.request.query_params.get("ordering")
        if chosen and chosen != SYNC_ORDERING:
            raise ValidationError({"ordering": [_("With updated_since the only ordering is updated_at.")]})
        return SYNC_ORDERING


ids_response = inline_serializer("IdList", {"ids": serializers.ListField(
    child=serializers.IntegerField(), help_text="Every id the list would show, ascending.")})


class SyncedResourceMixin(SyncOrderingMixin):
    """A resource a mirror can follow: its type in the deletions feed, Last-Modified from its latest change or
    deletion, and `ids/`, every id the filters select in one cheap response."""

    deletion_type = None

    def list_last_changed(self):
        return deletions.latest_change(self.get_queryset().model, self.deletion_type)

    @extend_schema(
        summary="Every id", responses=ids_response,
        description="The id of every record the list (with the same filters) shows, ascending, in one response: "
        "compare it with a mirror's ids for a full reconcile. No paging.")
    @action(detail=False, methods=["get"], url_path="ids", pagination_class=None)
    def ids(self, request):
        self.extra_query_params = ()
        queryset = self.filter_queryset(self.get_queryset())
        data = {"ids": list(queryset.order_by("id").values_list("id", flat=True))}
        etag = conditional.representation_etag(request, data, request.accepted_renderer.format)
        if unchanged := conditional.not_modified(request, etag):
            return unchanged
        return conditional.set_validators(Response(data), etag)


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": TYPES}})
class TypeListFilter(ChoiceListFilter):
    choices = [(type_, type_) for type_ in TYPES]


class DeletionFilter(AppliedFilterSet):
    since = InstantFilter(help_text="Left the public view at or after this instant (ISO 8601 with offset or Z). "
                          "At most the kept days back (see the description).")
    type = TypeListFilter(help_text="Resource types: " + ", ".join(TYPES) + ".")

    class Meta:
        model = Deletion
        fields = []

    def apply(self, queryset, values):
        if "since" in values:
            horizon = timezone.now() - datetime.timedelta(days=deletions.kept_days())
            if values["since"] < horizon:
                raise ValidationError({"since": [_(
                    "Deletions are kept %(days)s days: this is older. Reconcile with the resources' ids/ "
                    "listings instead, then follow this feed from now on.") % {"days": deletions.kept_days()}]})
            queryset = queryset.filter(deleted_at__gte=values["since"])
        if "type" in values:
            queryset = queryset.filter(type__in=values["type"])
        return queryset


class DeletionOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES, read_only=True, help_text="The resource, as its list is named "
                                   "in the links (`statusevent` for /status-events/).")
    id = serializers.IntegerField(read_only=True, help_text="The record's id.")
    slug = serializers.CharField(read_only=True, help_text="Its slug, for slug-addressed resources; else empty.")
    reason = serializers.ChoiceField(choices=Deletion.Reason.values, read_only=True,
                                     help_text="`deleted`, or `unpublished` (taken back to draft).")
    deleted_at = serializers.DateTimeField(read_only=True)
    url = serializers.URLField(read_only=True, help_text="Where it was; it answers 404 now.")


class DeletionRow(serializers.BaseSerializer):
    def to_representation(self, instance):
        return {key: value for key, value in instance.items() if key != "feed_id"}


@extend_schema_view(list=extend_schema(
    summary="Records that left the public view",
    description="Deleted records, and proposals and steps taken back to draft, oldest first: remove each from a "
    "mirror. A record published again is taken off this feed and comes back in its list's `updated_since` walk.",
    responses=DeletionOutput(many=True)))
class DeletionViewSet(ValidatedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Deletion.objects.all()
    serializer_class = DeletionRow
    filterset_class = DeletionFilter
    orderings = orderings("deleted_at")
    default_ordering = "deleted_at"

    def fetch_page(self, sliced_queryset):
        links = Links(self.request)
        return [{"type": row.type, "id": row.object_id, "slug": row.slug, "reason": row.reason,
                 "deleted_at": row.deleted_at, "url": links.of(row.type, row.slug or row.object_id),
                 "feed_id": row.id} for row in sliced_queryset]

    def row_key(self, ordering):
        return lambda row: (row["deleted_at"], row["feed_id"])

    def list_last_changed(self):
        return Deletion.objects.aggregate(latest=Max("deleted_at"))["latest"]
