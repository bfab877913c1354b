"""The API's delegates and companies: lists filtered by body and company, each with its relations prefetched."""

import django_filters
from django.db.models import Prefetch

from people.models import Affiliation, Company, Delegate, Membership
from proposals.api.filters import UpdatedSinceFilter
from proposals.api.reference import SyncedSlugViewSet
from proposals.models import Body
from proposals.querysets import named
from tracker.api.filters import SlugListFilter

from .serializers import CompanySerializer, DelegateSerializer


class NameFilter(UpdatedSinceFilter):
    q = django_filters.CharFilter(max_length=200, help_text="A name in English, Chinese or pinyin (with or without "
                                  "tones and spaces: leijun, Lei Jun, 雷军), or another known spelling.")

    def apply(self, queryset, values):
        queryset = super().apply(queryset, values)
        if values.get("q"):
            queryset = queryset.filter(pk__in=named(queryset.model, values["q"]).values("pk"))
        return queryset


class DelegateFilter(NameFilter):
    body = SlugListFilter(Body, help_text="Bodies the delegate has sat in.")
    company = SlugListFilter(Company, help_text="Companies the delegate holds a position at.")

    class Meta:
        model = Delegate
        fields = []

    def apply(self, queryset, values):
        queryset = super().apply(queryset, values)
        if "body" in values:
            queryset = queryset.filter(memberships__body__in=values["body"])
        if "company" in values:
            queryset = queryset.filter(affiliations__company__in=values["company"])
        return queryset.distinct() if {"body", "company"} & set(values) else queryset


class CompanyFilter(NameFilter):
    class Meta:
        model = Company
        fields = []


class DelegateViewSet(SyncedSlugViewSet):
    deletion_type = "delegate"
    queryset = Delegate.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("body")),
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("company")),
    )
    serializer_class = DelegateSerializer
    filterset_class = DelegateFilter


class CompanyViewSet(SyncedSlugViewSet):
    deletion_type = "company"
    filterset_class = CompanyFilter
    queryset = Company.objects.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("delegate")), "events"
    )
    serializer_class = CompanySerializer
