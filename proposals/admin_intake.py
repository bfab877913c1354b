"""The admin's Intake page: paste or upload a report, review what the tracker read, confirm what to keep.

Two steps, one URL. "Read" checks the text and the source's fields and shows the review page; nothing is
written. "Confirm" reads the same text again (the reading is deterministic) and writes what the editor kept,
as drafts, through proposals.intake.writing.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proposals.intake import reading as intake_reading
from proposals.intake import text as intake_text
from proposals.intake import writing
from proposals.models import Theme


class IntakeForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Report text"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 14, "cols": 100}))
    file = forms.FileField(label=gettext_lazy("…or a .txt or .html file"), required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300, required=False,
                            help_text=gettext_lazy("Left empty: the report's first heading."))
    author = forms.CharField(label=gettext_lazy("Author"), max_length=200, required=False)
    publisher = forms.CharField(label=gettext_lazy("Publisher"), max_length=200, required=False)
    url = forms.URLField(label=gettext_lazy("Address"), max_length=500, required=False, assume_scheme="https")
    published_on = forms.DateField(label=gettext_lazy("Date"), required=False,
                                   help_text=gettext_lazy("YYYY-MM-DD, when the report gives it."))

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        try:
            if upload:
                data["text"] = intake_text.decode_upload(upload.read(intake_text.MAX_UPLOAD_BYTES + 1), upload.name)
            else:
                data["text"] = intake_text.clean_text(data.get("text", ""))
        except intake_text.IntakeError as error:
            self.add_error(error.field, error.message)
        if not data.get("url") and not data.get("publisher"):
            self.add_error("publisher", _("Give the source's address or at least its publisher."))
        return data

    def reading(self):
        data = self.cleaned_data
        return intake_reading.read(data["text"], title=data.get("title", ""), author=data.get("author", ""),
                                   publisher=data.get("publisher", ""), url=data.get("url", ""),
                                   published_on=data.get("published_on"))


class IntakeAdminMixin:
    """Adds /admin/proposals/source/intake/ to the source admin."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.intake_view)
        return [path("intake/", view, name="proposals_source_intake"), *super().get_urls()]

    def intake_view(self, request):
        if not request.user.has_perm("proposals.add_proposal"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": _("Intake from a news report"),
                   "opts": self.model._meta}
        if request.method != "POST":
            return self._page(request, "admin/proposals/source/intake.html", {**context, "form": IntakeForm()})
        form = IntakeForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, "admin/proposals/source/intake.html", {**context, "form": form})
        result = form.reading()
        if "_confirm" in request.POST and result.delegates:
            return self._confirm(request, form, result, context)
        if not result.delegates:
            form.add_error("text", result.problems[0] if result.problems else _("Nothing to take in."))
            return self._page(request, "admin/proposals/source/intake.html", {**context, "form": form})
        return self._page(request, "admin/proposals/source/intake_review.html", {
            **context, "form": form, "reading": result, "themes": list(Theme.objects.all()),
            "title": _("Review what the report says")})

    def _page(self, request, template, context):
        return TemplateResponse(request, template, context)

    def _confirm(self, request, form, result, context):
        decisions = decisions_from(request.POST, result)
        data = form.cleaned_data
        fields = {"title": result.source["title"], "author": data.get("author", ""),
                  "publisher": data.get("publisher", ""), "url": data.get("url", ""),
                  "published_on": data.get("published_on")}
        try:
            written = writing.apply(result, decisions, source_fields=fields)
        except ValidationError as error:
            messages.error(request, _("Nothing was written: %(reason)s") % {"reason": " ".join(error.messages)})
            return self._page(request, "admin/proposals/source/intake_review.html", {
                **context, "form": form, "reading": result, "themes": list(Theme.objects.all())})
        messages.success(request, _(
            "Taken in as drafts: %(proposals)d proposals, %(delegates)d new delegates, %(companies)d new companies, "
            "%(events)d company events; %(skipped)d already taken in or merged.") % {
            "proposals": len(written["proposals"]), "delegates": len(written["delegates"]),
            "companies": len(written["companies"]), "events": len(written["company_events"]),
            "skipped": len(written["skipped"])})
        return redirect(reverse("admin:proposals_proposal_changelist") + "?published__exact=0")


def decisions_from(post, result):
    """The editor's choices on the review page: accept-<key>, title-<key>, summary-<key>, themes-<key>,
    name-<key>, and repeat-<key> ("new", "related:<id>" or "merge:<id>")."""
    decisions = {}
    for section in (result.delegates, result.companies, result.proposals, result.company_events):
        for item in section:
            key = item["key"]
            decision = {"accept": post.get(f"accept-{key}") == "on"}
            for field in ("title", "summary", "name"):
                if post.get(f"{field}-{key}", "").strip():
                    decision[field] = post[f"{field}-{key}"]
            if f"themes-{key}" in post or f"title-{key}" in post:
                decision["themes"] = post.getlist(f"themes-{key}")
            choice = post.get(f"repeat-{key}", "new")
            kind, _sep, number = choice.partition(":")
            if number.isdigit() and kind == "merge":
                decision["merge_into"] = int(number)
            elif number.isdigit() and kind == "related":
                decision["related_to"] = int(number)
            decisions[key] = decision
    return decisions
