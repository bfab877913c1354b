"""Relation fields that show an absolute URL (and accept that URL or the bare slug or id), bounded dates, and
model-rule checks."""

import datetime
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from .links import RESOURCES, Links
from .pagination import MAX_ID


@extend_schema_field({"type": "string", "description": "URL; on input its URL, its path, its slug (for resources "
                      "addressed by slug) or its id."})
class LinkOrKeyField(serializers.HyperlinkedRelatedField):
    """Another resource, shown as its URL; taken as that URL, its path, or the bare slug or id.

    A URL must name this server: a relation to another host's address would be stored as a local record
    that merely shares its key.
    """

    default_error_messages = {
        "null_characters": _("Null characters are not allowed."),
        "foreign_host": _("Give an address on this server ({host}), its path, or the bare key; "
                          "not an address on another host."),
        "does_not_exist": _("No {kind} {value}."),
    }

    def __init__(self, resource, **kwargs):
        kwargs.setdefault("view_name", f"api:{resource}-detail")
        kwargs.setdefault("lookup_field", RESOURCES[resource][1])
        super().__init__(**kwargs)

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            # Name the value sent: "No session npc-2030.", not a bare "Object does not exist."
            kwargs = {"kind": self.get_queryset().model._meta.verbose_name,
                      "value": str(getattr(self, "_sent", ""))[:200], **kwargs}
        super().fail(key, **kwargs)

    def to_internal_value(self, data):
        self._sent = data
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        if isinstance(data, int) or (isinstance(data, str) and "/" not in data):
            return self._by_key(data)
        if isinstance(data, str):
            self._check_host(data)
        return super().to_internal_value(data)

    def _by_key(self, key):
        """The object a bare key names: its slug where the resource is addressed by slug, or its id, always."""
        text = str(key).strip()
        if self.lookup_field != "pk" and not isinstance(key, int):
            found = self.get_queryset().filter(**{self.lookup_field: text}).first()
            if found is not None:
                return found
        # An id beyond a 64-bit integer names no row, and the database would refuse to compare with it.
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
            self.fail("does_not_exist")
        try:
            return self.get_queryset().get(pk=int(text))
        except ObjectDoesNotExist:
            self.fail("does_not_exist")

    def _check_host(self, address):
        """A field error for an address on any other host, or with another scheme than HTTP(S)."""
        try:
            parts = urlsplit(address)
        except ValueError:
            self.fail("no_match")
        if not parts.scheme and not parts.netloc:
            return
        request = self.context.get("request")
        host = request.get_host() if request is not None else ""
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
            self.fail("foreign_host", host=host)


@extend_schema_field(OpenApiTypes.URI)
class FilteredListLinkField(serializers.SerializerMethodField):
    """Another resource's list filtered on this object: e.g. a theme's `proposals` is every proposal on it."""

    def __init__(self, resource, parameter, **kwargs):
        self.resource, self.parameter = resource, parameter
        super().__init__(help_text=f"The {RESOURCES[resource][0]} list filtered with `{parameter}`.", **kwargs)

    def to_representation(self, instance):
        return Links(self.context.get("request")).filtered_list(self.resource, self.parameter, instance.slug)


def self_link(resource):
    return serializers.HyperlinkedIdentityField(
        view_name=f"api:{resource}-detail", lookup_field=RESOURCES[resource][1]
    )


def candidate(model, instance, attrs):
    """An unsaved copy of `instance` (or a new `model`) with the concrete fields of `attrs` set on it."""
    fields = model._meta.concrete_fields
    made = model(**{field.attname: getattr(instance, field.attname) for field in fields}) if instance is not None \
        else model()
    names = {field.name for field in fields}
    for name, value in attrs.items():
        if name in names:
            setattr(made, name, value)
    return made


def field_errors(serializer, error):
    """A Django ValidationError as the serializer's errors: keyed by the API's field names, not the model's."""
    detail = serializers.as_serializer_error(error)
    names = {field.source: name for name, field in serializer.fields.items() if field.source != name}
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    return {non_field if key == NON_FIELD_ERRORS else names.get(key, key): value for key, value in detail.items()}


class ModelRulesMixin:
    """Run the model's own `clean()` and database constraints, so a refused write is a 400, never a 500."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        checked = candidate(self.Meta.model, self.instance, attrs)
        try:
            checked.clean()
            checked.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(field_errors(self, error)) from None
        return attrs


def explain_integrity_error(serializer):
    """Why the database refused a write that passed validation: a row another request wrote meanwhile.

    The unique checks ran before that row existed; run now, the model's own validate_unique and
    validate_constraints find it and name the field, with the message a sequential duplicate gets.
    """
    checked = candidate(serializer.Meta.model, serializer.instance, getattr(serializer, "validated_data", {}))
    try:
        checked.validate_unique()
        checked.validate_constraints()
    except DjangoValidationError as error:
        return serializers.ValidationError(field_errors(serializer, error))
    return None


EARLIEST_DATE = datetime.date(1949, 1, 1)  # the founding year of the CPPCC; nothing the tracker follows is older
YEARS_AHEAD = 5


def latest_date():
    """The last date the API takes: the end of the year five years from now."""
    return datetime.date(timezone.localdate().year + YEARS_AHEAD, 12, 31)


class BoundedDateField(serializers.DateField):
    """A date from 1949 to five years ahead: a year-one announcement or a session in 2999 is a typing mistake."""

    default_error_messages = {"out_of_range": _("Give a date from {earliest} to {latest}.")}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        latest = latest_date()
        if not EARLIEST_DATE <= day <= latest:
            self.fail("out_of_range", earliest=EARLIEST_DATE.isoformat(), latest=latest.isoformat())
        return day


class RawLengthMixin:
    """max_length counts what the client sent: DRF trims whitespace first, so 201 characters starting with a
    space passed a limit of 200 that the schema states (maxLength) for the text as sent."""

    def to_internal_value(self, data):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class TextField(RawLengthMixin, serializers.CharField):
    pass


class SlugField(RawLengthMixin, serializers.SlugField):
    pass


class OptionalURLField(RawLengthMixin, serializers.URLField):
    """A URL, or empty where the model allows it; the schema states both (tracker.api.schema)."""


IGNORED_INPUT = {"csrfmiddlewaretoken"}  # the browsable API's form posts carry it


class StrictInputMixin:
    """A write naming a field the resource does not take, or one only the server sets, is a 400 naming it.

    Silently dropping it would answer 200 to a typo (`titel_en`) or to a client that believes it set a status.
    `shown_fields` names what responses show beyond the serializer's own fields: those are read-only too.
    """

    shown_fields = ()

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            writable = sorted(name for name, field in self.fields.items() if not field.read_only)
            for name in data:
                field = self.fields.get(name)
                if name in IGNORED_INPUT or (field is not None and not field.read_only):
                    continue
                if field is not None or name in self.shown_fields:
                    errors[name] = [_("This field is read-only: the server sets it.")]
                else:
                    errors[name] = [_("Unknown field; this resource takes: %(names)s.") % {
                        "names": ", ".join(writable)}]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class APIModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A ModelSerializer that refuses unknown and read-only fields, whose dates are bounded, whose URLs may be
    empty where the model says so, and whose texts are bounded by the model's max_length as sent."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField, models.TextField: TextField, models.SlugField: SlugField,
        models.DateField: BoundedDateField, models.URLField: OptionalURLField,
    }
