"""Forms and formsets of the editors' admin that check a proposal's sponsors and timeline before anything is saved."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import lifecycle, services
from .lifecycle import HandlingRole, ReplyGrade, Status, Verdict
from .models import Proposal, StatusEvent

# Addresses typed without a scheme are taken as https, as browsers and Django 6 do.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


def https_formfield(db_field, **kwargs):
    return db_field.formfield(**{**HTTPS_URLS.get(type(db_field), {}), **kwargs})


def timeline_refusal(proposal, *, add=(), change=(), delete=()):
    """The ValidationError that `save_timeline` would raise for this change to the timeline, or None."""
    try:
        services.check_timeline_change(proposal, add=add, change=change, delete=delete)
    except ValidationError as error:
        return error
    return None


class ProposalAdminForm(forms.ModelForm):
    def clean_related(self):
        related = self.cleaned_data.get("related") or []
        self.instance.check_related(related)
        return related


# The editor's answer when a new proposal reads like one already there.
DUPLICATE_DECISION = "_duplicate_decision"
DUPLICATE_CHOICES = {"separate", "related"}


class SponsorshipFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [form for form in self.forms if self._is_kept(form)]
        if any(form.errors for form in kept):
            return
        leads = sum(1 for form in kept if form.cleaned_data.get("is_lead"))
        if leads != 1:
            raise ValidationError(
                _("Mark exactly one sponsor as the lead sponsor (领衔); %(count)s are marked.") % {"count": leads},
                code="lead_sponsor",
            )
        session = self.instance.session if self.instance.session_id else None
        named = [form for form in kept if form.cleaned_data.get("delegate")]
        lead = next((form.cleaned_data["delegate"] for form in named if form.cleaned_data.get("is_lead")), None)
        self._refuse_likely_duplicate(session, lead)
        if session is not None and named:
            unseated = {person.pk for person in services.unseated_sponsors(
                session, [form.cleaned_data["delegate"] for form in named])}
            for form in named:
                if form.cleaned_data["delegate"].pk in unseated and not form.cleaned_data.get("seat_exception"):
                    form.add_error("delegate", _(
                        "No seat of this delegate in %(body)s for the %(term)sth term is recorded: add it to the "
                        "delegate, or say why in “seat exception”.") % {"body": session.body, "term": session.term})

    def _refuse_likely_duplicate(self, session, lead):
        """A new proposal that reads like one already there (same session and lead sponsor) waits for the editor
        to say whether it is a separate proposal or the same idea, to link as related."""
        self.likely_duplicates = []
        if self.instance.pk is not None or session is None or lead is None:
            return
        self.likely_duplicates = Proposal.objects.likely_duplicates(
            session=session, lead=lead, title_en=self.instance.title_en, title_zh=self.instance.title_zh)
        if self.likely_duplicates and self.data.get(DUPLICATE_DECISION) not in DUPLICATE_CHOICES:
            raise ValidationError(_("This reads like a proposal already recorded for the same session and lead "
                                    "sponsor. Say below whether it is a separate proposal or the same idea to link "
                                    "as related, then save again."), code="likely_duplicate")

    def chosen_sponsors(self):
        """(delegates in the order the editor gave, the lead sponsor, seat exceptions by delegate pk)."""
        kept = [form for form in self.forms if self._is_kept(form) and form.cleaned_data.get("delegate")]
        kept.sort(key=lambda form: form.cleaned_data.get("order") or 0)  # stable: equal numbers keep the form order
        lead = next((form.cleaned_data["delegate"] for form in kept if form.cleaned_data.get("is_lead")), None)
        exceptions = {form.cleaned_data["delegate"].pk: form.cleaned_data.get("seat_exception", "") for form in kept}
        return [form.cleaned_data["delegate"] for form in kept], lead, exceptions

    def _is_kept(self, form):
        """A form that stands for a sponsorship after saving: not deleted, not an empty extra row."""
        if self.can_delete and self._should_delete_form(form):
            return False
        return form.instance.pk is not None or form.has_changed()


class StatusEventFormSet(forms.BaseInlineFormSet):
    """The timeline inline: the whole resulting sequence is checked before the proposal or any event is saved."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms if not self._should_delete_form(form)):
            return  # each bad row already shows its own error; its half-built event cannot be checked
        added, changed, deleted = [], [], []
        for form in self.forms:
            stored = form.instance.pk is not None
            if self._should_delete_form(form):
                if stored:
                    deleted.append(form.instance)
            elif stored:
                changed.append(form.instance)
            elif form.has_changed():
                added.append(form.instance)
        try:
            refusals = services.timeline_change_refusals(self.instance, add=added, change=changed, delete=deleted)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        forms_by_event = {id(form.instance): form for form in self.forms}
        edited = {id(form.instance) for form in self.forms if form.has_changed()}
        unplaced = []
        for refusal in refusals:
            # Blame the row the editor touched: the refused event itself, or else the one it conflicts with
            # (a new filing dated before a stored submission makes the stored row fail, not be wrong).
            blamed = next((event for event in (refusal.event, refusal.cause)
                           if event is not None and id(event) in edited), None)
            if blamed is None:
                unplaced.append(refusal.as_error())
            else:
                forms_by_event[id(blamed)].add_error(refusal.field, refusal.as_error())
        if unplaced:
            raise ValidationError(unplaced)


class StatusEventAdminForm(forms.ModelForm):
    """One event edited on its own: checked against the rest of its proposal's timeline."""

    class Meta:
        model = StatusEvent
        formfield_callback = https_formfield
        fields = [
            "proposal", "date", "date_approximate", "status", "source", "note", "authority", "handling_role",
            "reply_grade", "reply_url", "reply_public", "verdict", "adopted_in",
        ]

    def _post_clean(self):
        # The model form copies its values onto the instance here, after clean(): check the timeline after that.
        super()._post_clean()
        event = self.instance
        if self.errors or event.proposal_id is None:
            return
        if event.pk is None:
            error = timeline_refusal(event.proposal, add=[event])
        else:
            error = timeline_refusal(event.proposal, change=[event])
        if error is not None:
            self.add_error(None, error)


class RecordStatusForm(forms.Form):
    """The bulk action's form: one status change for every selected proposal."""

    date = forms.DateField(widget=AdminDateWidget)
    date_approximate = forms.BooleanField(
        required=False, label=_("date approximate"),
        help_text=StatusEvent._meta.get_field("date_approximate").help_text,
    )
    status = forms.ChoiceField(choices=Status.choices)
    source = forms.ModelChoiceField(queryset=StatusEvent._meta.get_field("source").related_model.objects.all())
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    authority = forms.ModelChoiceField(
        queryset=StatusEvent._meta.get_field("authority").related_model.objects.all(), required=False,
        help_text=StatusEvent._meta.get_field("authority").help_text,
    )
    handling_role = forms.ChoiceField(choices=[("", "---------"), *HandlingRole.choices], required=False)
    reply_grade = forms.ChoiceField(choices=[("", "---------"), *ReplyGrade.choices], required=False)
    reply_url = forms.URLField(label=_("reply text"), required=False, max_length=500, assume_scheme="https")
    reply_public = forms.NullBooleanField(label=_("reply text public"), required=False)
    verdict = forms.ChoiceField(label=_("proposer's verdict"), choices=[("", "---------"), *Verdict.choices],
                                required=False)
    adopted_in = forms.CharField(
        label=_("adopted in"), max_length=300, required=False,
        help_text=StatusEvent._meta.get_field("adopted_in").help_text,
    )

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        site = admin_site or admin.site
        for name in ("source", "authority"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(StatusEvent._meta.get_field(name), site)
            field.widget.choices = field.choices  # a ModelChoiceField hands its choices only to its first widget

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        # The lifecycle decides which fields a status takes, as it does for every other entry path.
        for field, message in lifecycle.check_event_fields(StatusEvent(**self.event_fields())).items():
            self.add_error(field, message)
        return cleaned_data

    def event_fields(self):
        """Keyword arguments for `record_status` / `record_status_for_many`."""
        data = dict(self.cleaned_data)
        return {name: value for name, value in data.items() if value not in ("", None) or name == "note"}
