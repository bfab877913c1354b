"""What every API resource shares: keyset-paged lists, HTTP validators on reads, If-Match on writes."""

from django.db import IntegrityError, transaction
from rest_framework import serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from . import conditional
from .exceptions import Conflict
from .fields import explain_integrity_error
from .filters import StrictFilterBackend
from .idempotency import idempotent
from .pagination import KeysetPagination, attribute_key, dict_key, orderings
from .renderers import ORJSONRenderer

# Formats an error can be shown in as it is: JSON, and the browsable API page (which shows that JSON).
ERROR_FORMATS = {"json", "api"}


def save(serializer):
    """serializer.save() in a savepoint; a unique constraint the database enforced is a 400 naming the field.

    Two requests creating one slug at the same moment both pass the serializer's unique check, and the
    database refuses the second insert. That is the same mistake as a duplicate sent later, so it gets the
    same answer; only a refusal nothing explains is a 409 asking to retry.
    """
    try:
        with transaction.atomic():
            return serializer.save()
    except IntegrityError:
        explained = explain_integrity_error(serializer)
        if explained is not None:
            raise explained from None
        raise Conflict() from None


class PassThroughSerializer(serializers.BaseSerializer):
    """A row that is already its own representation (a plain dict built from `values()`), handed on as it is.

    The list of such a resource goes through DRF's list like any other; the schema documents the real shape
    with `extend_schema`, since this serializer describes none.
    """

    def to_representation(self, instance):
        return instance


class ValidatedListMixin:
    """Keyset-paged lists whose ETag is a digest of the page as shown, so it changes exactly when the page does."""

    pagination_class = KeysetPagination
    filter_backends = [StrictFilterBackend]
    orderings = {}
    default_ordering = None
    extra_query_params = ()

    # Lists: DRF's ListModelMixin.list (filter_queryset, paginate_queryset, the serializer, the paginated
    # response). These hooks tell the keyset paginator the order, and how a page's rows are read and keyed.

    def list_ordering_default(self):
        return self.default_ordering

    def fetch_page(self, sliced_queryset):
        """Rows of one page: model instances by default."""
        return list(sliced_queryset)

    def row_key(self, ordering):
        """row -> (ordering value, id), for the next cursor."""
        return attribute_key(ordering)

    def list_last_changed(self):
        """The last change of anything this list could show, as an aware datetime, or None if unknown."""
        return None

    def shape_list(self, results):
        """The page's items as sent (a view trimming them to `fields=` says so here)."""
        return results

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if isinstance(response.data, dict) and "results" in response.data:
            response.data["results"] = self.shape_list(response.data["results"])
        if not self._conditional(request):
            return response
        etag = conditional.representation_etag(request, response.data, request.accepted_renderer.format)
        last_modified = conditional.settled_last_modified(conditional.whole_seconds(self.list_last_changed()))
        if unchanged := conditional.not_modified(request, etag, last_modified):
            return unchanged
        return conditional.set_validators(response, etag, last_modified)

    @staticmethod
    def _conditional(request):
        # The browsable HTML page shows who is signed in; only machine formats are validated.
        return request.accepted_renderer.format != "api"


class ResourceViewSet(ValidatedListMixin, viewsets.ModelViewSet):
    # An id is a positive 64-bit integer: longer digit strings are no address (a JSON 404), never a query.
    lookup_value_regex = "[0-9]{1,18}"

    # Reads of one object

    def represent(self, instance):
        return self.get_serializer(instance).data

    def validators(self, instance, representation=None):
        if representation is None and getattr(instance, "updated_at", None) is None:
            representation = self.represent(instance)
        return conditional.object_validators(instance, representation)

    def representation_variant(self):
        """What the request asks to be shown beyond the default (include=, fields=), or "" for the default."""
        return ""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        representation = None if hasattr(instance, "updated_at") else self.represent(instance)
        etag, last_modified = self.validators(instance, representation)
        etag = conditional.varied(etag, self.representation_variant())
        if self._conditional(request) and (unchanged := conditional.not_modified(request, etag, last_modified)):
            return unchanged
        if representation is None:
            representation = self.represent(instance)
        return conditional.set_validators(Response(representation), etag, last_modified)

    def object_response(self, instance, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)  # fresh: timestamps and relations as stored
        representation = self.represent(instance)
        etag, last_modified = self.validators(instance, representation)
        response = Response(representation, status=status_code)
        return conditional.set_validators(response, etag, last_modified)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # An error is JSON whatever the action renders on success (the CSV export's 400 names its parameter).
        if response.status_code >= 400 and isinstance(response, Response) and \
                getattr(response.accepted_renderer, "format", None) not in ERROR_FORMATS:
            response.accepted_renderer = ORJSONRenderer()
            response.accepted_media_type = ORJSONRenderer.media_type
        return response

    # Writes

    def get_object(self):
        queryset = self.get_queryset()
        # OPTIONS reads the object to describe a PUT's form (DRF's metadata) without writing: no lock then.
        if self.request.method in SAFE_METHODS or not transaction.get_connection(queryset.db).in_atomic_block:
            return super().get_object()
        # Lock the row for the If-Match comparison and the write that follows it (inside the caller's atomic).
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        queryset = self.filter_queryset(queryset).select_for_update(of=("self",))
        instance = get_object_or_404(queryset, **{self.lookup_field: self.kwargs[lookup_url_kwarg]})
        self.check_object_permissions(self.request, instance)
        return instance

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = save(serializer)
        response = self.object_response(instance, status.HTTP_201_CREATED)
        if isinstance(response.data, dict) and response.data.get("url"):
            response["Location"] = response.data["url"]
        return response

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object()
            conditional.check_if_match(request, self.validators(instance)[0])
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            instance = save(serializer)
        return self.object_response(instance)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            conditional.check_if_match(request, self.validators(instance)[0])
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


# A resource addressed by its slug, listed in slug order. (A comment, not a docstring: see PlainDictListMixin.)
class SlugResourceViewSet(ResourceViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    orderings = orderings("slug")
    default_ordering = "slug"


# For a ResourceViewSet whose `fetch_page` returns each row's representation as a plain dict already.
# (A comment, not a docstring: the schema would show a docstring as the operations' description.)
class PlainDictListMixin:
    def get_serializer_class(self):
        if self.action == "list":
            return PassThroughSerializer
        return super().get_serializer_class()

    def row_key(self, ordering):
        return dict_key(ordering)
