"""The filters of proposals' own lists, applied through `Proposal.objects.filter_by()`.

The generic parts (several values per parameter, a 400 for anything unknown) are in `tracker.api.filters`.
"""

import django_filters
from drf_spectacular.utils import extend_schema_field

from people.models import Company, Delegate
from proposals.lifecycle import Status
from proposals.models import Authority, Body, Proposal, Session, StatusEvent, Theme
from tracker.api.filters import AppliedFilterSet, ChoiceListFilter, InstantFilter, SlugListFilter, WholeNumberFilter

UPDATED_SINCE_HELP = ("Changed at or after this instant (ISO 8601 with offset or Z, e.g. 2026-12-01T08:34:00Z). "
                      "Walks in `updated_at` order.")


class UpdatedSinceFilter(AppliedFilterSet):
    """A reference resource's one filter: what changed since a client's last sync."""

    updated_since = InstantFilter(help_text=UPDATED_SINCE_HELP)

    class Meta:
        fields = []

    def apply(self, queryset, values):
        if "updated_since" in values:
            queryset = queryset.filter(updated_at__gte=values.pop("updated_since"))
        return queryset


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": Status.values}})
class StatusListFilter(ChoiceListFilter):
    choices = Status.choices


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": Proposal.Kind.values}})
class KindListFilter(ChoiceListFilter):
    choices = Proposal.Kind.choices


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
    updated_since = InstantFilter(
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
    proposal = WholeNumberFilter(help_text="The proposal's id.")
    status = StatusListFilter(help_text="Status of the event.")
    authority = SlugListFilter(Authority, help_text="Authorities referred to or replying.")
    date_after = django_filters.DateFilter(help_text="Dated on or after this date.")
    date_before = django_filters.DateFilter(help_text="Dated on or before this date.")
    updated_since = InstantFilter(help_text=UPDATED_SINCE_HELP)

    class Meta:
        model = StatusEvent
        fields = []

    LOOKUPS = {
        "proposal": "proposal_id", "status": "status__in", "authority": "authority__in",
        "date_after": "date__gte", "date_before": "date__lte", "updated_since": "updated_at__gte",
    }

    def apply(self, queryset, values):
        return queryset.filter(**{self.LOOKUPS[name]: value for name, value in values.items()})


class SessionFilter(UpdatedSinceFilter):
    body = SlugListFilter(Body, help_text="Body slugs.")
    year = WholeNumberFilter(min_value=1949, max_value=2200, help_text="Year of the session.")

    class Meta:
        model = Session
        fields = []

    def apply(self, queryset, values):
        queryset = super().apply(queryset, values)
        if "body" in values:
            queryset = queryset.filter(body__in=values["body"])
        if "year" in values:
            queryset = queryset.of_year(values["year"])
        return queryset
