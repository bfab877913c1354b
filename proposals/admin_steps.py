"""Record a step from a source: the editors' everyday task, in one short form.

The editor picks the source (or enters a new one), the status and its date, and only what that status
takes: the authorities and their roles for a referral (several at once), the authority, grade and reply
text for a reply, the verdict for feedback, the document for an adoption. The lifecycle's refusals are
shown beside the field they concern. The bulk action on the proposal list uses the same form for many
proposals at once.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker.admin_base import SafeAutocompleteSelect

from . import lifecycle, services
from .lifecycle import HandlingRole, ReplyGrade, Status, Verdict
from .models import Source, StatusEvent

EXISTING, NEW = "existing", "new"
EMPTY = [("", "---------")]
# Which sections of the form a status uses (the page shows only those when JavaScript runs).
SECTIONS = {
    "referral": {Status.REFERRED},
    "authority": {Status.REPLIED, Status.REHANDLING},
    "reply": {Status.REPLIED},
    "feedback": {Status.FEEDBACK},
    "adoption": {Status.ADOPTED, Status.IMPLEMENTED},
}
SECTION_FIELDS = {
    "authority": ["authority"],
    "reply": ["reply_grade", "reply_url", "reply_public"],
    "feedback": ["verdict"],
    "adoption": ["adopted_in"],
}


def _event_field(name):
    return StatusEvent._meta.get_field(name)


class StepForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=[*EMPTY, *Status.choices])
    date = forms.DateField(label=_("date"), widget=AdminDateWidget, help_text=_("YYYY-MM-DD"))
    date_approximate = forms.BooleanField(label=_("date approximate"), required=False,
                                          help_text=_event_field("date_approximate").help_text)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=5000)
    published = forms.BooleanField(label=_("publish now"), required=False, initial=True,
                                   help_text=_("Untick to keep the step as a draft that only editors see."))

    source_choice = forms.ChoiceField(
        label=_("source"), choices=[(EXISTING, _("A source already in the tracker")), (NEW, _("A new source"))],
        initial=EXISTING, widget=forms.RadioSelect)
    source = forms.ModelChoiceField(label=_("existing source"), queryset=Source.objects.all(), required=False)
    source_title = forms.CharField(label=_("title"), max_length=300, required=False)
    source_publisher = forms.CharField(label=_("publisher"), max_length=200, required=False)
    source_url = forms.URLField(label=_("address"), max_length=500, required=False, assume_scheme="https")
    source_author = forms.CharField(label=_("author"), max_length=200, required=False)
    source_published_on = forms.DateField(label=_("published on"), required=False, widget=AdminDateWidget)
    source_quote = forms.CharField(label=_("quote"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                   max_length=5000, help_text=_("The words of the source that back this step."))

    authority = forms.ModelChoiceField(label=_("authority"), queryset=_event_field("authority").related_model.objects,
                                       required=False, help_text=_event_field("authority").help_text)
    reply_grade = forms.ChoiceField(label=_("reply grade"), choices=[*EMPTY, *ReplyGrade.choices], required=False)
    reply_url = forms.URLField(label=_("reply text"), max_length=500, required=False, assume_scheme="https")
    reply_public = forms.NullBooleanField(label=_("reply text public"), required=False)
    verdict = forms.ChoiceField(label=_("proposer's verdict"), choices=[*EMPTY, *Verdict.choices], required=False)
    adopted_in = forms.CharField(label=_("adopted in"), max_length=300, required=False,
                                 help_text=_event_field("adopted_in").help_text)

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)
        site = admin_site or admin.site
        for name in ("source", "authority"):
            field = self.fields[name]
            field.widget = SafeAutocompleteSelect(_event_field(name), site)
            field.widget.choices = field.choices  # a ModelChoiceField hands its choices only to its first widget

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("source_choice") == NEW:
            if not cleaned_data.get("source_title"):
                self.add_error("source_title", _("Give the new source's title."))
            if not cleaned_data.get("source_url") and not cleaned_data.get("source_publisher"):
                self.add_error("source_url", _("Give the source's address or at least its publisher."))
        elif not cleaned_data.get("source"):
            self.add_error("source", _("Every status change needs a source: pick one, or enter a new one."))
        status = cleaned_data.get("status")
        if status:
            event = StatusEvent(status=status, source_id=0, **self.details(status))
            # A referral's authorities and roles are its rows', checked by the referral formset.
            row_fields = {"authority", "handling_role"} if status == Status.REFERRED else set()
            for field, message in lifecycle.check_event_fields(event).items():
                if field in self.fields and field not in self.errors and field not in row_fields:
                    self.add_error(field, message)
        return cleaned_data

    def details(self, status):
        """The optional fields this status takes, as entered; those of other statuses are ignored."""
        sections = [name for name, statuses in SECTIONS.items() if status in statuses]
        names = [field for section in sections for field in SECTION_FIELDS.get(section, [])]
        values = {name: self.cleaned_data.get(name) for name in names}
        return {name: value for name, value in values.items() if value not in (None, "")}

    def cited_source(self):
        """The source to cite: the chosen one, or the new one, saved (inside the caller's transaction)."""
        data = self.cleaned_data
        if data["source_choice"] == EXISTING:
            return data["source"]
        source = Source(title=data["source_title"], publisher=data["source_publisher"], url=data["source_url"],
                        author=data["source_author"], published_on=data["source_published_on"],
                        quote=data["source_quote"])
        source.full_clean()
        source.save()
        return source

    def events(self, source, referrals=()):
        """The unsaved events this step adds: one per referred authority, or one."""
        data = self.cleaned_data
        common = {"date": data["date"], "date_approximate": data["date_approximate"], "status": data["status"],
                  "note": data["note"], "source": source, "published": data["published"]}
        if data["status"] == Status.REFERRED:
            return [StatusEvent(**common, authority=authority, handling_role=role) for authority, role in referrals]
        return [StatusEvent(**common, **self.details(data["status"]))]


class ReferralForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("authority"), queryset=_event_field("authority").related_model.objects,
                                       required=False)
    handling_role = forms.ChoiceField(label=_("role"), choices=[*EMPTY, *HandlingRole.choices], required=False)

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.widget = SafeAutocompleteSelect(_event_field("authority"), admin_site or admin.site)
        field.widget.choices = field.choices

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("authority") and not cleaned_data.get("handling_role"):
            self.add_error("handling_role", _("Give the authority's role in handling: lead, co-handling or separate."))
        if cleaned_data.get("handling_role") and not cleaned_data.get("authority"):
            self.add_error("authority", _("Name the authority this role belongs to."))
        return cleaned_data


class BaseReferralFormSet(forms.BaseFormSet):
    def __init__(self, *args, admin_site=None, status=None, **kwargs):
        self.status = status
        super().__init__(*args, form_kwargs={"admin_site": admin_site}, **kwargs)

    def clean(self):
        if any(self.errors) or self.status != Status.REFERRED:
            return
        if not self.referrals():
            raise ValidationError(_("Name at least one authority the proposal was referred to, with its role."))

    def referrals(self):
        """(authority, role) for each filled row, in the order given."""
        return [(form.cleaned_data["authority"], form.cleaned_data["handling_role"]) for form in self.forms
                if form.cleaned_data.get("authority")]

    def rows_by_event(self, events):
        """The row form that entered each referral event."""
        filled = [form for form in self.forms if form.cleaned_data.get("authority")]
        return dict(zip((id(event) for event in events), filled, strict=False))


ReferralFormSet = forms.formset_factory(ReferralForm, formset=BaseReferralFormSet, extra=3, max_num=20,
                                        absolute_max=20, validate_max=True)


def bound_forms(data, admin_site):
    """The step form and the referral rows, bound to `data` (a POST) or unbound (None)."""
    form = StepForm(data, admin_site=admin_site, initial={"source_choice": EXISTING})
    status = data.get("status") if data else None
    referrals = ReferralFormSet(data, admin_site=admin_site, status=status, prefix="referrals")
    return form, referrals


def record_step(proposal, form, referrals):
    """Record the form's step on one proposal; False, with the lifecycle's reasons on the forms, if refused.

    The new source and the events are written in one transaction: a refused step leaves no new source behind.
    """
    with transaction.atomic():
        try:
            source = form.cited_source()
        except ValidationError as error:
            for message in error.messages:
                form.add_error("source_title", message)
            return False
        events = form.events(source, referrals.referrals())
        try:
            refusals = services.timeline_change_refusals(proposal, add=events)
        except ValidationError as error:
            _place(form, referrals, events, getattr(error, "error_dict", {"status": error.error_list}))
            transaction.set_rollback(True)
            return False
        if refusals:
            rows = referrals.rows_by_event(events)
            for refusal in refusals:
                row = rows.get(id(refusal.event))
                if row is not None:  # a referral row: its authority is what the editor would change
                    row.add_error("authority", refusal.as_error())
                else:
                    form.add_error(refusal.field if refusal.field in form.fields else "status", refusal.as_error())
            transaction.set_rollback(True)
            return False
        services.save_timeline(proposal, add=events)
    return True


def record_step_on_many(proposals, form, referrals):
    """Record the form's step on every proposal, or on none: [(proposal, reasons)] of those that refuse it."""
    refused = []
    with transaction.atomic():
        source = form.cited_source()
        for proposal in proposals:
            events = form.events(source, referrals.referrals())
            try:
                services.save_timeline(proposal, add=events)
            except ValidationError as error:
                refused.append((proposal, error.messages))
        if refused:
            transaction.set_rollback(True)
    return refused


def _place(form, referrals, events, errors):
    for field, reasons in errors.items():
        for reason in reasons:
            form.add_error(field if field in form.fields else "status", reason)


def record_step_view(model_admin, request, object_id):
    """The admin page that records one step on one proposal."""
    proposal = model_admin.get_object(request, object_id)
    if proposal is None:
        raise Http404(_("No proposal with this id."))
    if not services.can_record_status(request.user):
        raise PermissionDenied
    form, referrals = bound_forms(request.POST if request.method == "POST" else None, model_admin.admin_site)
    back = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    if request.method == "POST":
        valid = [form.is_valid(), referrals.is_valid()]
        if all(valid) and record_step(proposal, form, referrals):
            count = len(form.events(None, referrals.referrals()))
            model_admin.message_user(request, ngettext(
                "Recorded “%(status)s” on %(date)s for “%(proposal)s”.",
                "Recorded %(count)d steps “%(status)s” on %(date)s for “%(proposal)s”.", count) % {
                "status": lifecycle.label(form.cleaned_data["status"]), "date": form.cleaned_data["date"].isoformat(),
                "proposal": proposal, "count": count}, messages.SUCCESS)
            return HttpResponseRedirect(back)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Record a step"), "subtitle": str(proposal), "opts": opts, "proposal": proposal,
        "form": form, "referrals": referrals, "sections": sections(form), "next": back,
        "timeline": proposal.status_events.select_related("authority", "source").order_by("date", "id"),
        "media": model_admin.media + form.media + referrals.media,
        "has_errors": bool(form.errors or referrals.non_form_errors() or any(referrals.errors)),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/proposals/proposal/record_step.html", context)


def sections(form):
    """(name, heading, the statuses it is for, its bound fields) for the template; the referral rows apart."""
    headings = {"authority": _("Authority"), "reply": _("Reply"), "feedback": _("Proposer's feedback"),
                "adoption": _("Adoption")}
    return [(name, headings[name], " ".join(sorted(SECTIONS[name])), [form[field] for field in fields])
            for name, fields in SECTION_FIELDS.items()]
