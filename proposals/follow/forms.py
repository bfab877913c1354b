"""The forms of the follow pages, and the one reading of a search's query string into filter_by() arguments."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from proposals.views.filtering import ProposalFilterForm

from .models import Frequency, WebhookEndpoint


def parse_search(params):
    """(query string, filter_by() arguments, notices) of a proposal list's GET parameters.

    The list's own form reads them, so a followed search selects exactly what the list showed; parameters it
    does not know (sort, page) or refuses are left out. The query string keeps the list's parameter names,
    valid ones only, in a fixed order: it identifies the search and links back to the list.
    """
    if isinstance(params, str):
        params = QueryDict(params)
    form = ProposalFilterForm(params)
    filters, notices = form.valid_filters()
    kept = [(name, form.cleaned_data[name]) for name in form.fields
            if name != "sort" and form.cleaned_data.get(name)]
    return urlencode(kept, doseq=True), filters, notices


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices, initial=Frequency.DAILY,
                                  widget=forms.RadioSelect)


class WebhookEndpointForm(forms.ModelForm):
    """A client's webhook, as the client registers it and as editors review it in the admin."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Where the tracker POSTs each change, e.g. https://example.org/hooks/tracker"))
    event_types = forms.MultipleChoiceField(label=_("Events"), choices=WebhookEndpoint.Event.choices,
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "contact_email", "url", "event_types", "query"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.startswith("https://") and not settings.FOLLOW_WEBHOOK_ALLOW_HTTP:
            raise forms.ValidationError(_("The receiver's address must start with https://."))
        return url

    def clean_query(self):
        query, filters, notices = parse_search(self.cleaned_data["query"].strip().lstrip("?"))
        if notices:
            raise forms.ValidationError(notices)
        self.instance.filters = filters
        return query
