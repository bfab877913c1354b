"""Query-string filters that refuse what they do not understand, and the building blocks of list filters.

Every list rejects what it does not understand with a 400 naming the parameter: an unknown slug, a
malformed date, and also a parameter the list does not take at all (`?them=5g` would otherwise silently
return every row, which a sync script could not tell from a real answer).
A list filter takes several values, repeated (`?theme=5g&theme=ai`) or comma-separated (`?theme=5g,ai`);
values of one filter are alternatives, different filters all apply.
"""

import copy
import datetime
import re

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from tracker.caching import tagged_piece

MAX_VALUES = 50
# The largest id a database row can have (a signed 64-bit integer, PostgreSQL's bigint).
MAX_ID = 2**63 - 1
ASCII_WHOLE_NUMBER = re.compile(r"-?[0-9]+")

# Messages of a form field are formatted by django-filter with the field's params: a value the client sent goes
# in as a param, never into the message itself, or a `%` in it would be read as a placeholder.


class ListWidget(forms.TextInput):
    """Several values, repeated or comma-separated; shown (in the browsable API's filter form) comma-separated."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]

    def format_value(self, value):
        if isinstance(value, (list, tuple)):
            return ",".join(str(getattr(item, "slug", item)) for item in value) or None
        return super().format_value(value)


class ListField(forms.Field):
    """Several values; `resolve(values)` gives what they stand for, as (resolved values, values naming nothing)."""

    widget = ListWidget

    def __init__(self, *, resolve, **kwargs):
        self.resolve = resolve
        super().__init__(**kwargs)

    def clean(self, value):
        values = list(dict.fromkeys(value or []))
        if len(value or []) > MAX_VALUES:  # as sent, repeats included: what the schema's maxItems counts
            raise forms.ValidationError(_("Give at most %(count)s values."), code="max_values",
                                        params={"count": MAX_VALUES})
        if not values:
            return values
        resolved, missing = self.resolve(values)
        if missing:
            raise forms.ValidationError(_("Unknown value: %(values)s."), code="unknown",
                                        params={"values": ", ".join(missing)})
        return resolved


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits within [min_value, max_value]: no "1e3", "2.0", "²" or "٣"."""

    default_error_messages = {"invalid": gettext_lazy("Give a whole number, in digits 0-9.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not ASCII_WHOLE_NUMBER.fullmatch(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(str(value).strip())


class WholeNumberFilter(django_filters.Filter):
    """An integer parameter, bounded: an id by default (1 to the largest id a row can have)."""

    field_class = WholeNumberField

    def __init__(self, *, min_value=1, max_value=MAX_ID, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class InstantField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 instant with its offset, that the database can compare: within years 1 to 9999 in UTC.

    A time without an offset is refused rather than read in the server's time zone: a sync script in
    another zone would silently get a window hours off.
    """

    default_error_messages = {
        "out_of_range": gettext_lazy("Give an instant between the years 1 and 9999 (in UTC)."),
        "naive": gettext_lazy("Give the time with its offset or Z, e.g. 2026-12-01T08:34:00Z or "
                              "2026-12-01T16:34:00+08:00; a time without one is ambiguous."),
    }

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                parsed = parse_datetime(str(value).strip())
            except ValueError:
                parsed = None
            if parsed is None or parsed.tzinfo is None:
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None
        return moment


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class SlugListFilter(django_filters.Filter):
    """Slugs of existing objects of `model`, resolved to objects that carry their primary key and slug.

    Filters then go by primary key: no second look-up of the slugs, and no join to `model` in the list query.
    Which slugs exist is read once per set of slugs and kept until a write touches the site's shared data (a
    theme, session, body, delegate or company added, renamed or removed moves the `site` tag): a filtered list
    then checks one tag instead of querying `model`.
    """

    field_class = ListField

    def __init__(self, model, **kwargs):
        def resolve(values):
            known = tagged_piece("slugs", model._meta.label, *sorted(values), tags=(), compute=lambda: dict(
                model.objects.filter(slug__in=values).values_list("slug", "pk")))
            return ([model(pk=known[value], slug=value) for value in values if value in known],
                    [value for value in values if value not in known])

        super().__init__(resolve=resolve, **kwargs)


class ChoiceListFilter(django_filters.Filter):
    """Values out of a fixed set of `choices`."""

    field_class = ListField
    choices = ()

    def __init__(self, **kwargs):
        allowed = {value for value, _label in self.choices}
        super().__init__(resolve=lambda values: (values, [value for value in values if value not in allowed]),
                         **kwargs)


class AppliedFilterSet(django_filters.FilterSet):
    """A FilterSet whose cleaned values are applied by `apply()`, in one place, instead of filter by filter."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # As django-filter's, but for the copies: it deep-copies every declared filter, with its arguments and
        # form field, for each request, which was most of a filtered list's time in Python. Nothing in a filter
        # changes per request here (its form field is copied by the form anyway), so each request gets shallow
        # copies of filters whose form fields are built once, and one form class per filter set.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _copy_for(declared, queryset.model, self) for name, declared in self.base_filters.items()}

    def get_form_class(self):
        # One per filter set and model (a filter set without a model of its own serves several lists).
        kept = type(self).__dict__.get("_form_classes")
        if kept is None:
            kept = type(self)._form_classes = {}
        model = self.queryset.model
        if model not in kept:
            fields = {name: _copy_for(declared, model).field for name, declared in self.base_filters.items()}
            kept[model] = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
        return kept[model]

    def filter_queryset(self, queryset):
        values = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "", [])}
        return self.apply(queryset, values)

    def apply(self, queryset, values):
        raise NotImplementedError


def _copy_for(declared, model, parent=None):
    """A shallow copy of a declared filter, set up for `model` (and the filter set using it)."""
    filter_ = copy.copy(declared)
    filter_.model, filter_.parent = model, parent
    return filter_


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 for any query parameter the view does not take."""

    def filter_queryset(self, request, queryset, view):
        reject_unknown_parameters(request, view)
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None or not set(request.query_params) & set(filterset_class.base_filters):
            # No filter asked for: skip building a FilterSet and its form, a fifth of the default page's cost.
            return queryset
        return super().filter_queryset(request, queryset, view)


def known_parameters(view):
    filterset_class = getattr(view, "filterset_class", None)
    names = set(filterset_class.base_filters) if filterset_class else set()
    pagination = getattr(view, "pagination_class", None)
    names.update(getattr(pagination, "query_params", ()))
    names.update(getattr(view, "extra_query_params", ()))
    return names | {"format"}


def reject_unknown_parameters(request, view):
    unknown = sorted(set(request.query_params) - known_parameters(view))
    if unknown:
        allowed = ", ".join(sorted(known_parameters(view)))
        raise ValidationError({name: [_("Unknown parameter; this list takes: %(allowed)s.") % {"allowed": allowed}]
                               for name in unknown})
