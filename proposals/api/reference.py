"""The resources proposals point at: bodies, sessions, themes, authorities, sources (people are in `people.api`)."""


from proposals.models import Authority, Body, Session, Source, Theme
from tracker.api.base import ResourceViewSet, SlugResourceViewSet
from tracker.api.fields import (
    APIModelSerializer,
    FilteredListLinkField,
    LinkOrKeyField,
    ModelRulesMixin,
    OptionalURLField,
    self_link,
)
from tracker.api.pagination import orderings

from .filters import SessionFilter, UpdatedSinceFilter
from .sync import SyncedResourceMixin


class BodySerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("body")
    proposals = FilteredListLinkField("proposal", "body")

    class Meta:
        model = Body
        fields = ["url", "id", "slug", "name_en", "name_zh", "abbreviation", "kind", "level", "region", "proposals",
                  "updated_at"]


class SessionSerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("session")
    body = LinkOrKeyField("body", queryset=Body.objects.all())
    proposals = FilteredListLinkField("proposal", "session")

    class Meta:
        model = Session
        fields = ["url", "id", "slug", "body", "term", "number", "year", "name_en", "name_zh", "opened_on", "closed_on",
                  "proposals", "updated_at"]
        # The years the session filter takes.
        extra_kwargs = {"year": {"min_value": 1949, "max_value": 2200}}


class ThemeSerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("theme")
    parent = LinkOrKeyField("theme", queryset=Theme.objects.all(), required=False, allow_null=True)
    proposals = FilteredListLinkField("proposal", "theme")

    class Meta:
        model = Theme
        fields = ["url", "id", "slug", "name_en", "name_zh", "description", "parent", "proposals", "updated_at"]


class AuthoritySerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("authority")

    class Meta:
        model = Authority
        fields = ["url", "id", "slug", "name_en", "name_zh", "abbreviation", "website", "updated_at"]


class SourceSerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("source")
    # The model's own `url` is the cited page; `url` here is the API address, as on every resource.
    source_url = OptionalURLField(source="url", max_length=500, required=False, allow_blank=True)

    class Meta:
        model = Source
        fields = ["url", "id", "source_url", "title", "publisher", "author", "published_on", "quote", "note",
                  "updated_at"]


SLUG_SYNC_ORDERINGS = orderings("slug", "updated_at")


class SyncedSlugViewSet(SyncedResourceMixin, SlugResourceViewSet):
    orderings = SLUG_SYNC_ORDERINGS
    filterset_class = UpdatedSinceFilter


class BodyViewSet(SyncedSlugViewSet):
    deletion_type = "body"
    queryset = Body.objects.all()
    serializer_class = BodySerializer


class SessionViewSet(SyncedSlugViewSet):
    deletion_type = "session"
    queryset = Session.objects.select_related("body")
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    orderings = orderings("slug", "opened_on", "updated_at")


class ThemeViewSet(SyncedSlugViewSet):
    deletion_type = "theme"
    queryset = Theme.objects.select_related("parent")
    serializer_class = ThemeSerializer


class AuthorityViewSet(SyncedSlugViewSet):
    deletion_type = "authority"
    queryset = Authority.objects.all()
    serializer_class = AuthoritySerializer


class SourceViewSet(SyncedResourceMixin, ResourceViewSet):
    deletion_type = "source"
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = UpdatedSinceFilter
    orderings = orderings("id", "updated_at")
    default_ordering = "-id"
