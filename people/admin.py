"""The editors' workspace for delegates, their seats and positions, and companies with their dated events."""

from django.contrib import admin
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from proposals.admin_forms import HTTPS_URLS
from tracker.admin_base import EditorsAdmin, TabularInline

from .models import Affiliation, Company, CompanyEvent, Delegate, Membership


class MembershipInline(TabularInline):
    model = Membership
    fields = ["body", "term", "role", "delegation", "started_on", "ended_on"]
    autocomplete_fields = ["body"]
    extra = 0


class DelegateAffiliationInline(TabularInline):
    model = Affiliation
    fields = ["company", "position", "position_zh", "started_on", "ended_on"]
    autocomplete_fields = ["company"]
    extra = 0
    verbose_name_plural = _("positions at companies")


class CompanyAffiliationInline(TabularInline):
    model = Affiliation
    fields = ["delegate", "position", "position_zh", "started_on", "ended_on"]
    autocomplete_fields = ["delegate"]
    extra = 0
    verbose_name_plural = _("delegates holding positions")


class CompanyEventInline(TabularInline):
    model = CompanyEvent
    fields = ["date", "date_approximate", "kind", "title", "description", "source"]
    autocomplete_fields = ["source"]
    extra = 0
    show_change_link = True


@admin.register(Delegate)
class DelegateAdmin(EditorsAdmin):
    list_display = ["name_en", "name_zh", "name_pinyin", "seats"]
    search_fields = ["name_en", "name_zh", "name_pinyin", "other_names", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    list_filter = ["memberships__body", "memberships__role"]
    inlines = [MembershipInline, DelegateAffiliationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__body")

    def get_search_results(self, request, queryset, search_term):
        """Names that begin with what was typed first: "Lei" lists Lei Jun (surname Lei) before Ding Lei."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            starts = Q(name_en__istartswith=term) | Q(name_pinyin__istartswith=term) | Q(name_zh__startswith=term)
            queryset = queryset.annotate(
                name_rank=Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField())
            ).order_by("name_rank", "name_en", "pk")
        return queryset, may_have_duplicates

    @admin.display(description=_("seats"))
    def seats(self, delegate):
        return "; ".join(membership.seat_label() for membership in delegate.memberships.all()) or "—"


@admin.register(Company)
class CompanyAdmin(EditorsAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name_en", "name_zh", "sector", "website"]
    list_filter = ["sector"]
    search_fields = ["name_en", "name_zh", "slug", "sector"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [CompanyAffiliationInline, CompanyEventInline]


@admin.register(CompanyEvent)
class CompanyEventAdmin(EditorsAdmin):
    list_display = ["date", "company", "kind", "title", "source"]
    list_filter = ["kind", "company"]
    list_select_related = ["company", "source"]
    search_fields = ["title", "description", "company__name_en", "company__name_zh"]
    autocomplete_fields = ["company", "source"]
    date_hierarchy = "date"
