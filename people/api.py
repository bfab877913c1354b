"""The API's delegates and companies: lists filtered by body and company, each with its relations prefetched."""

from django.db.models import Prefetch

from people.models import Affiliation, Company, Delegate, Membership
from proposals.models import Body
from tracker.api.base import SlugResourceViewSet
from tracker.api.filters import AppliedFilterSet, SlugListFilter

from .serializers import CompanySerializer, DelegateSerializer


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
