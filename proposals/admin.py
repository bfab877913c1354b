"""The editors' workspace: proposals with their sponsors, sources and timelines, and the records around them.

Every write to a timeline goes through `proposals.services`, so the admin refuses the same impossible
sequences as the API and the loaders, and each proposal's current status stays that of its latest event.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db import models, transaction
from django.forms import Textarea
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from tracker.admin_base import EditorsAdmin, StackedInline, TabularInline

from . import admin_history, admin_steps, services
from .admin_actions import record_status_change
from .admin_forms import (
    DUPLICATE_DECISION,
    HTTPS_URLS,
    ProposalAdminForm,
    SponsorshipFormSet,
    StatusEventAdminForm,
    StatusEventFormSet,
    timeline_refusal,
)
from .admin_import import PartialImportMixin
from .admin_intake import IntakeAdminMixin
from .meaning import admin as meaning_admin
from .models import Authority, Body, Proposal, ProposalSource, Session, Source, Sponsorship, StatusEvent, Theme
from .resources import ProposalResource

REPLY_DEBT_FIELDS = ["reply_due_on", "reply_owed_by", "reply_settled_by"]
PUBLISH_BUTTON = "_publish"



@admin.register(Body)
class BodyAdmin(EditorsAdmin):
    list_display = ["name_en", "name_zh", "abbreviation", "kind", "level", "region"]
    list_filter = ["kind", "level"]
    search_fields = ["name_en", "name_zh", "abbreviation", "slug"]
    prepopulated_fields = {"slug": ["abbreviation"]}


@admin.register(Session)
class SessionAdmin(EditorsAdmin):
    list_display = ["name_en", "name_zh", "body", "year", "opened_on", "closed_on"]
    list_filter = ["body", "year"]
    list_select_related = ["body"]
    search_fields = ["name_en", "name_zh", "slug", "year"]
    date_hierarchy = "opened_on"


@admin.register(Theme)
class ThemeAdmin(EditorsAdmin):
    list_display = ["name_en", "name_zh", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name_en", "name_zh", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Authority)
class AuthorityAdmin(EditorsAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name_en", "name_zh", "abbreviation", "website"]
    search_fields = ["name_en", "name_zh", "abbreviation", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Source)
class SourceAdmin(IntakeAdminMixin, EditorsAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["title", "publisher", "author", "published_on", "url"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "author", "url", "quote"]
    date_hierarchy = "published_on"
    exclude = ["text"]  # a report's text is stored by intake, as it was read, and never edited


class SponsorshipInline(TabularInline):
    model = Sponsorship
    formset = SponsorshipFormSet
    fields = ["delegate", "is_lead", "order", "seat_exception"]
    autocomplete_fields = ["delegate"]
    extra = 1
    verbose_name = _("sponsor")
    verbose_name_plural = _("sponsors (exactly one lead sponsor, 领衔)")


class SourceInline(TabularInline):
    model = ProposalSource
    autocomplete_fields = ["source"]
    extra = 1
    verbose_name = _("source")
    verbose_name_plural = _("sources reporting the proposal")


class StatusEventInline(StackedInline):
    """The whole timeline, for corrections; everyday steps go through "Record a step". Each event is a compact
    box of a few lines, so the page fits a laptop screen without scrolling sideways."""

    formfield_overrides = {**HTTPS_URLS, models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 60})}}
    model = StatusEvent
    formset = StatusEventFormSet
    fieldsets = [(None, {"fields": [
        ("date", "date_approximate", "status", "published"),
        ("source", "authority", "handling_role"),
        ("reply_grade", "reply_url", "reply_public"),
        ("verdict", "adopted_in"),
        "note",
    ]})]
    autocomplete_fields = ["source", "authority"]
    ordering = ["date", "id"]
    extra = 0
    show_change_link = True
    verbose_name = _("status event")
    verbose_name_plural = _("timeline (status events, oldest first)")


class OverdueFilter(admin.SimpleListFilter):
    title = _("reply overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.overdue().values("pk"))
        return queryset


@admin.register(Proposal)
class ProposalAdmin(PartialImportMixin, ImportExportModelAdmin, EditorsAdmin):
    form = ProposalAdminForm
    resource_classes = [ProposalResource]
    formats = [CSV, XLSX]
    # With a byte-order mark, Excel on a Chinese-language machine reads the CSV as UTF-8, not as GBK.
    to_encoding = "utf-8-sig"
    list_display = ["title_en", "current_status", "status_date", "session", "lead_sponsor_name", "overdue",
                    "publication", "record_step_link"]
    # The proposal's own change form, with what the tracker suggests by meaning (proposals/meaning/admin.py).
    change_form_template = "meaning/admin/proposal_change_form.html"
    list_filter = ["published", "status", "session", "session__body", "kind", "themes", OverdueFilter]
    list_select_related = ["session__body"]
    search_fields = [
        "title_en", "title_zh", "summary_en", "summary_zh", "number",
        "sponsors__name_en", "sponsors__name_zh", "sponsors__name_pinyin",
    ]
    date_hierarchy = "status_date"
    autocomplete_fields = ["session", "themes", "related"]
    prepopulated_fields = {"slug": ["title_en"]}
    readonly_fields = ["status", "status_date", "reply_due_on", "publication", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title_en", "title_zh", "slug", "session", "kind", "number"]}),
        (_("Content"), {"fields": ["summary_en", "summary_zh", "summary_zh_translated", "full_text"]}),
        (_("Links"), {"fields": ["themes", "related"]}),
        (_("Current status (from the timeline below)"), {
            "fields": ["status", "status_date", "reply_due_on", "publication", "created_at", "updated_at"]}),
    ]
    inlines = [SponsorshipInline, SourceInline, StatusEventInline]
    actions = [record_status_change, "publish_selected", "unpublish_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_related()

    def get_urls(self):
        record = path("<path:object_id>/record-step/", self.admin_site.admin_view(self.record_step_view),
                      name="proposals_proposal_record_step")
        return [record, *super().get_urls()]

    def record_step_view(self, request, object_id):
        return admin_steps.record_step_view(self, request, object_id)

    @admin.display(description=_("next step"))
    def record_step_link(self, proposal):
        return format_html('<a href="{}">{}</a>', reverse("admin:proposals_proposal_record_step", args=[proposal.pk]),
                           _("Record a step"))

    def changes_since(self, proposal, sent_token):
        """The proposal's own saves, and the timeline's: a step recorded elsewhere changes this page too."""
        changes = super().changes_since(proposal, sent_token)
        since = parse_datetime(self.token_parts(sent_token)[1] or "")
        if since is not None:
            steps = StatusEvent.history.filter(proposal_id=proposal.pk, history_date__gt=since).order_by("history_id")
            for step in steps:
                action = {"+": _("added"), "~": _("changed"), "-": _("deleted")}[step.history_type]
                changes.append((step.history_user, step.history_date, [
                    _("the timeline (%(step)s %(action)s)") % {"step": step.instance, "action": action}]))
        return sorted(changes, key=lambda change: change[1])

    @admin.display(description=_("publication"), ordering="published_at")
    def publication(self, proposal):
        if proposal.published:
            when = proposal.published_at
            return _("published %(date)s") % {"date": when.date().isoformat()} if when else _("published")
        return format_html('<span class="draft-badge">{}</span>', _("draft"))

    @admin.action(description=_("Publish the selected proposals"), permissions=["change"])
    def publish_selected(self, request, queryset):
        drafts = list(queryset.filter(published=False))
        for proposal in drafts:
            services.publish(proposal)
        self.message_user(request, ngettext("Published %(count)d proposal.", "Published %(count)d proposals.",
                                            len(drafts)) % {"count": len(drafts)}, messages.SUCCESS)

    @admin.action(description=_("Take the selected proposals back to draft"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        published = list(queryset.filter(published=True))
        for proposal in published:
            services.unpublish(proposal)
        self.message_user(request, ngettext(
            "%(count)d proposal is a draft again.", "%(count)d proposals are drafts again.", len(published)
        ) % {"count": len(published)}, messages.SUCCESS)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(meaning_admin.change_form_context(request, obj, context.get("adminform") and
                                                         context["adminform"].form))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        meaning_admin.link_ticked(request, form.instance)
        if request.POST.get(DUPLICATE_DECISION) == "related":
            sponsors = next(formset for formset in formsets if formset.model is Sponsorship)
            form.instance.related.add(*(other for other, _score in sponsors.likely_duplicates))
        if PUBLISH_BUTTON in request.POST:
            services.publish(form.instance)  # after the timeline: its published steps were checked on saving
        latest = form.instance.history.order_by("-history_id").values_list("history_id", flat=True).first()
        if latest == getattr(request, "_history_mark", latest):
            # Nothing wrote this save's history row yet (no new status, no publishing): write it now, from the
            # row as stored, whose status the timeline's save has refreshed.
            Proposal.objects.get(pk=form.instance.pk).save(update_fields=["updated_at"])
        if not change:
            # The proposal's first row says it was created (its creating save wrote no row of its own).
            form.instance.history.filter(history_type="~").update(history_type="+")

    @admin.display(description=_("status"), ordering="status")
    def current_status(self, proposal):
        return proposal.get_status_display() or "—"

    @admin.display(description=_("lead sponsor"))
    def lead_sponsor_name(self, proposal):
        lead = proposal.lead_sponsor
        return lead.name_en if lead else "—"

    @admin.display(description=_("reply"), ordering="reply_due_on")
    def overdue(self, proposal):
        # Only the late ones stand out; a column of red crosses for "not overdue" would read as alarms.
        if proposal.is_overdue():
            return _("overdue since %(date)s") % {"date": proposal.reply_due_on.isoformat()}
        if proposal.reply_due_on:
            return _("due %(date)s") % {"date": proposal.reply_due_on.isoformat()}
        return "—"

    object_history_form_template = "admin/proposals/proposal/object_history_form.html"

    def history_view(self, request, object_id, extra_context=None):
        """The proposal's saves, timeline, sponsors and sources in one list (admin_history.py)."""
        proposal = self.get_object(request, object_id)
        if proposal is None or not self.has_view_or_change_permission(request, proposal):
            return super().history_view(request, object_id, extra_context)
        context = {
            **self.admin_site.each_context(request), "title": _("History of “%(proposal)s”") % {"proposal": proposal},
            "opts": self.model._meta, "object": proposal, "entries": admin_history.proposal_entries(proposal),
            "module_name": capfirst(self.model._meta.verbose_name_plural),
            "revert_disabled": self.revert_disabled(request, proposal), **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/proposals/proposal/object_history.html", context)

    def save_model(self, request, obj, form, change):
        reverting = (request.resolver_match.url_name or "").endswith("simple_history")
        request._history_mark = obj.history.order_by("-history_id").values_list("history_id", flat=True).first()
        # One history row per save, written once the timeline is saved too, so that it records the status
        # after the save (see save_related). A revert saves no timeline: it keeps its own row.
        obj.skip_history_when_saving = not reverting
        try:
            super().save_model(request, obj, form, change)
            # Restoring an old version from the history must not bring back an old status: the timeline decides.
            obj.refresh_status()
        finally:
            del obj.skip_history_when_saving

    def save_formset(self, request, form, formset, change):
        if formset.model is StatusEvent:
            formset.save(commit=False)
            services.save_timeline(
                form.instance,
                add=formset.new_objects,
                change=[event for event, _changed in formset.changed_objects],
                delete=formset.deleted_objects,
            )
        elif formset.model is Sponsorship:
            formset.save(commit=False)  # writes nothing: it lists the added, changed and deleted rows for the log
            delegates, lead, seat_exceptions = formset.chosen_sponsors()
            services.set_sponsors(form.instance, delegates, lead=lead, seat_exceptions=seat_exceptions)
        else:
            super().save_formset(request, form, formset, change)

    def has_record_status_permission(self, request):
        return services.can_record_status(request.user)

    def has_import_permission(self, request):
        # Importing both adds and updates proposals.
        return super().has_import_permission(request) and self.has_change_permission(request)


class OverdueReferralFilter(admin.SimpleListFilter):
    title = _("reply overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Replies still owed past their deadline"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        return queryset


@admin.register(StatusEvent)
class StatusEventAdmin(EditorsAdmin):
    formfield_overrides = HTTPS_URLS
    form = StatusEventAdminForm
    list_display = ["date", "status", "proposal", "authority", "handling_role", "reply_grade", "verdict", "source",
                    "reply_due_on"]
    list_filter = ["status", "reply_grade", "verdict", "handling_role", OverdueReferralFilter, "authority"]
    list_select_related = ["proposal", "authority", "source"]
    search_fields = ["proposal__title_en", "proposal__title_zh", "note", "adopted_in", "authority__name_en"]
    date_hierarchy = "date"
    autocomplete_fields = ["proposal", "source", "authority"]
    ordering = ["-date", "-id"]
    actions = ["delete_selected_events"]

    def rows_to_lock(self, event):
        return [event.proposal, event]  # the proposal first, as every timeline write locks it

    def get_readonly_fields(self, request, obj=None):
        # Moving an event to another proposal would change two timelines at once; add a new event instead.
        # The reply fields are what the lifecycle decided from the timeline, shown for reference.
        return ["proposal", *REPLY_DEBT_FIELDS] if obj is not None else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if change:
            services.save_timeline(obj.proposal, change=[obj])
        else:
            services.save_timeline(obj.proposal, add=[obj])

    def delete_model(self, request, obj):
        services.delete_status_event(obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for proposal, events in _events_by_proposal(queryset).items():
            services.save_timeline(proposal, delete=events)

    def delete_view(self, request, object_id, extra_context=None):
        event = self.get_object(request, object_id)
        if event is not None and self.has_delete_permission(request, event):
            error = timeline_refusal(event.proposal, delete=[event])
            if error is not None:
                self._refuse_deletion(request, event.proposal, error)
                return HttpResponseRedirect(reverse("admin:proposals_statusevent_change", args=[event.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=_("Delete selected status events"), permissions=["delete"])
    def delete_selected_events(self, request, queryset):
        refused = False
        for proposal, events in _events_by_proposal(queryset).items():
            error = timeline_refusal(proposal, delete=events)
            if error is not None:
                self._refuse_deletion(request, proposal, error)
                refused = True
        if refused:
            return None
        return delete_selected(self, request, queryset)

    def _refuse_deletion(self, request, proposal, error):
        reasons = " ".join(error.messages)
        self.message_user(
            request, _("Not deleted: the timeline of “%(proposal)s” would become impossible. %(reasons)s")
            % {"proposal": proposal, "reasons": reasons},
            messages.ERROR,
        )


def _events_by_proposal(events):
    grouped = {}
    for event in events.select_related("proposal__session"):
        grouped.setdefault(event.proposal, []).append(event)
    return grouped
