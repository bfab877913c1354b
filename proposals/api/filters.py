"""Query-string filters, validated by django-filter and applied through `Proposal.objects.filter_by()`.

Every list rejects what it does not understand with a 400 naming the parameter: an unknown theme slug,
a malformed date, and also a parameter the list does not take at all (`?them=5g` would otherwise
silently return every proposal, which a sync script could not tell from a real answer).
A list filter takes several values, repeated (`?theme=5g&theme=ai`) or comma-separated (`?theme=5g,ai`);
values of one filter are alternatives, different filters all apply.
"""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from people.models import Company, Delegate
from proposals.lifecycle import Status
from proposals.models import Authority, Body, Proposal, Session, StatusEvent, Theme

MAX_VALUES = 50


class ListWidget(forms.Widget):
    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


class ListField(forms.Field):
    """Several values; `resolve(values)` gives what they stand for, as (resolved values, values naming nothing)."""

    widget = ListWidget

    def __init__(self, *, resolve, **kwargs):
        self.resolve = resolve
        super().__init__(**kwargs)

    def clean(self, value):
        values = list(dict.fromkeys(value or []))
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(_("Give at most %(count)s values.") % {"count": MAX_VALUES})
        if not values:
            return values
        resolved, missing = self.resolve(values)
        if missing:
            raise forms.ValidationError(_("Unknown value: %(values)s.") % {"values": ", ".join(missing)})
        return resolved


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class SlugListFilter(django_filters.Filter):
    """Slugs of existing objects of `model`, checked in one query that also yields the objects themselves.

    Filters then go by primary key: no second look-up of the slugs, and no join to `model` in the list query.
    """

    field_class = ListField

    def __init__(self, model, **kwargs):
        def resolve(values):
            known = {obj.slug: obj for obj in model.objects.filter(slug__in=values).only("slug")}
            return [known[value] for value in values if value in known], [v for v in values if v not in known]

        super().__init__(resolve=resolve, **kwargs)


class ChoiceListFilter(django_filters.Filter):
    """Values out of a fixed set of `choices`."""

    field_class = ListField
    choices = ()

    def __init__(self, **kwargs):
        allowed = {value for value, _label in self.choices}
        super().__init__(resolve=lambda values: (values, [value for value in values if value not in allowed]),
                         **kwargs)


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": Status.values}})
class StatusListFilter(ChoiceListFilter):
    choices = Status.choices


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": Proposal.Kind.values}})
class KindListFilter(ChoiceListFilter):
    choices = Proposal.Kind.choices


class AppliedFilterSet(django_filters.FilterSet):
    """A FilterSet whose cleaned values are applied by `apply()`, in one place, instead of filter by filter."""

    def filter_queryset(self, queryset):
        values = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "", [])}
        return self.apply(queryset, values)

    def apply(self, queryset, values):
        raise NotImplementedError


class ProposalFilter(AppliedFilterSet):
    theme = SlugListFilter(Theme, help_text="Theme slugs.")
    status = StatusListFilter(help_text="Current status.")
    session = SlugListFilter(Session, help_text="Session slugs.")
    body = SlugListFilter(Body, help_text="Body slugs (npc, cppcc…).")
    kind = KindListFilter(help_text="Kind of proposal.")
    delegate = SlugListFilter(Delegate, help_text="Sponsoring delegates' slugs (lead or co-sponsor).")
    company = SlugListFilter(Company, help_text="Companies whose people sponsor the proposal.")
    submitted_after = django_filters.DateFilter(help_text="Submitted on or after this date (YYYY-MM-DD).")
    submitted_before = django_filters.DateFilter(help_text="Submitted on or before this date.")
    status_after = django_filters.DateFilter(help_text="Current status dated on or after this date.")
    status_before = django_filters.DateFilter(help_text="Current status dated on or before this date.")
    q = django_filters.CharFilter(max_length=200, help_text="Words that must all appear in title or summary.")
    updated_since = django_filters.IsoDateTimeFilter(
        help_text="Changed at or after this instant (ISO 8601 with offset, e.g. 2020-05-28T00:00:00Z). "
        "Walks in `updated_at` order; see the sync notes in the API description."
    )

    class Meta:
        model = Proposal
        fields = []

    def apply(self, queryset, values):
        updated_since = values.pop("updated_since", None)
        if updated_since is not None:
            queryset = queryset.filter(updated_at__gte=updated_since)
        return queryset.filter_by(**values)


class StatusEventFilter(AppliedFilterSet):
    proposal = django_filters.NumberFilter(min_value=1, help_text="The proposal's id.")
    status = StatusListFilter(help_text="Status of the event.")
    authority = SlugListFilter(Authority, help_text="Authorities referred to or replying.")
    date_after = django_filters.DateFilter(help_text="Dated on or after this date.")
    date_before = django_filters.DateFilter(help_text="Dated on or before this date.")
    updated_since = django_filters.IsoDateTimeFilter(help_text="Changed at or after this instant (ISO 8601).")

    class Meta:
        model = StatusEvent
        fields = []

    LOOKUPS = {
        "proposal": "proposal_id", "status": "status__in", "authority": "authority__in",
        "date_after": "date__gte", "date_before": "date__lte", "updated_since": "updated_at__gte",
    }

    def apply(self, queryset, values):
        return queryset.filter(**{self.LOOKUPS[name]: value for name, value in values.items()})


class SessionFilter(AppliedFilterSet):
    body = SlugListFilter(Body, help_text="Body slugs.")
    year = django_filters.NumberFilter(min_value=1949, max_value=2200, help_text="Year of the session.")

    class Meta:
        model = Session
        fields = []

    def apply(self, queryset, values):
        if "body" in values:
            queryset = queryset.filter(body__in=values["body"])
        if "year" in values:
            queryset = queryset.of_year(values["year"])
        return queryset


class DelegateFilter(AppliedFilterSet):
    body = SlugListFilter(Body, help_text="Bodies the delegate has sat in.")
    company = SlugListFilter(Company, help_text="Companies the delegate holds a position at.")

    class Meta:
        model = Delegate
        fields = []

    def apply(self, queryset, values):
        if "body" in values:
            queryset = queryset.filter(memberships__body__in=values["body"])
        if "company" in values:
            queryset = queryset.filter(affiliations__company__in=values["company"])
        return queryset.distinct() if values else queryset


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
