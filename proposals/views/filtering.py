"""The filters and sort orders of proposal lists, read from the URL.

The URL is the state: filters and sort are plain GET parameters, so a list can be shared and bookmarked.
Values the site does not know (an unknown theme) never raise: the list is shown without them, with a
notice saying what was ignored.
"""

from urllib.parse import urlencode

from django import forms
from django.db.models import Case, Value, When
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from people.models import Company, Delegate
from proposals.bilingual import listed, reader_prefers_chinese
from proposals.lifecycle import Status
from proposals.meaning import similar
from proposals.models import Body, Proposal, Session, Theme
from proposals.templatetags.reader import status_name
from tracker.caching import cached_piece

SORTS = {
    "changed": (gettext_lazy("Last status change"), ["-status_date", "-id"]),
    "newest": (gettext_lazy("Newest"), ["-session__opened_on", "-id"]),
    "title": (gettext_lazy("Title"), None),  # by the title in the reader's language, see sort_order()
}
RELEVANCE = "relevance"
# Search by meaning: the proposals closest to the words typed, in either language (proposals/meaning), as many
# as a reader reads through; the other filters apply, the words need not appear.
MEANING = "meaning"
MEANING_LIMIT = 100
# Typed text past this many characters is cut at a word (a paste of a whole paragraph still searches).
LONGEST_TEXT = 200
TYPED = ("q", "delegate", "company")
# What the list says of a value it does not know, field by field, so each notice reads as a sentence.
UNKNOWN = {
    "theme": gettext_lazy("“%(value)s” is not a known theme, so that filter was left out."),
    "status": gettext_lazy("“%(value)s” is not a known status, so that filter was left out."),
    "session": gettext_lazy("“%(value)s” is not a known session, so that filter was left out."),
    "body": gettext_lazy("“%(value)s” is not a known body, so that filter was left out."),
    "kind": gettext_lazy("“%(value)s” is not a known kind of proposal, so that filter was left out."),
    "sort": gettext_lazy("“%(value)s” is not a known sort order, so the usual order is used."),
}
# Form fields whose typed text filter_by() reads as a name or a slug, and the argument that does so.
NAMED_FILTERS = {"delegate": "delegate_named", "company": "company_named"}


def _named_choices():
    """(slug, name in the reader's language) of every theme, session and body: read once per data version."""
    def compute():
        return {name: [(obj.slug, obj.name) for obj in model.objects.only("slug", "name_en", "name_zh")]
                for name, model in (("theme", Theme), ("session", Session), ("body", Body))}

    return cached_piece("filter-choices", get_language(), compute=compute)


def rendered_filters(form):
    """The filter form's HTML, rendered once per data version, language and chosen values: its option lists
    cost more to render than the rest of a list page."""
    chosen = [(name, form.data.getlist(name)) for name in form.fields]
    return cached_piece("filter-form", get_language(), chosen, compute=lambda: render_to_string(
        "proposals/includes/filter_form.html", {"form": form}))


class ProposalFilterForm(forms.Form):
    """The filters of `/proposals/`, each a GET parameter named like the argument of `filter_by()`.

    Delegates and companies are typed, not picked: thousands of options would make every list page a
    few hundred kilobytes, most of the time spent rendering them.
    """

    q = forms.CharField(label=gettext_lazy("Words"), required=False)
    theme = forms.MultipleChoiceField(label=gettext_lazy("Theme"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    session = forms.ChoiceField(label=gettext_lazy("Session"), required=False)
    body = forms.ChoiceField(label=gettext_lazy("Body"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    delegate = forms.CharField(
        label=gettext_lazy("Delegate"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    company = forms.CharField(
        label=gettext_lazy("Company"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, data, *, searching=False):
        if not isinstance(data, QueryDict):
            data = QueryDict(urlencode(data, doseq=True))
        super().__init__(data)
        anything = _("Any")
        fields = self.fields
        named = _named_choices()
        fields["theme"].choices = named["theme"]
        fields["status"].choices = [("", anything), *((s, status_name(s)) for s in Status.values)]
        fields["session"].choices = [("", anything), *named["session"]]
        fields["body"].choices = [("", anything), *named["body"]]
        fields["kind"].choices = [("", anything), *Proposal.Kind.choices]
        sorts = [(key, label) for key, (label, _order) in SORTS.items()]
        if searching:
            sorts[:0] = [(RELEVANCE, _("Relevance")), (MEANING, _("Closeness in meaning"))]
        fields["sort"].choices = sorts
        self.named = {}  # field name -> the name of the delegate or company its slug chose

    def valid_filters(self):
        """The filters that make sense (as filter_by() arguments), and notices naming those left out.

        Several themes combine (a proposal on any of them); unknown ones are left out one by one. Typed
        text longer than LONGEST_TEXT is cut at a word, with a notice, rather than refused.
        """
        self.data = self.data.copy()
        notices = []
        for name in TYPED:
            text = " ".join(self.data.get(name, "").split())
            if len(text) > LONGEST_TEXT:
                text = shortened(text)
                notices.append(cut_notice(self.fields[name].label))
            self.data[name] = text
        known_themes = {value for value, _label in self.fields["theme"].choices}
        themes = self.data.getlist("theme")
        for value in themes:
            if value and value not in known_themes:
                notices.append(UNKNOWN["theme"] % {"value": value[:100]})
        self.data.setlist("theme", [value for value in themes if value and value in known_themes])
        self.is_valid()
        for name in self.errors:
            notices.append(UNKNOWN[name] % {"value": self.data.get(name, "")[:100]})
        filters = {}
        for name, value in self.cleaned_data.items():
            if value and name != "sort":
                filters[NAMED_FILTERS.get(name, name)] = value
        self._show_names_for_slugs()
        return filters, notices

    def _show_names_for_slugs(self):
        """Links from delegate and company pages pass a slug; the field and the summary show the name instead."""
        for name, model in (("delegate", Delegate), ("company", Company)):
            typed = self.cleaned_data.get(name)
            if not typed:
                continue
            chosen = model.objects.filter(slug=typed).only("name_en", "name_zh").first()
            if chosen is not None:
                self.named[name] = chosen.name
        if self.named:
            # Only what the fields render changes; cleaned_data keeps the slug the list was filtered by.
            for name, shown in self.named.items():
                self.data[name] = shown

    def chosen_sort(self):
        sort = self.cleaned_data.get("sort") if hasattr(self, "cleaned_data") else None
        if sort:
            return sort
        return RELEVANCE if self.data.get("q", "").strip() else "changed"

    def active(self):
        """(label, value shown) for each filter in use, to say in words what the list shows."""
        shown = []
        for name in ("q", "theme", "status", "session", "body", "kind", "delegate", "company"):
            value = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            if not value:
                continue
            if name == "q":
                label = f"“{value}”"
            elif name in NAMED_FILTERS:
                label = self.named.get(name) or f"“{value}”"
            elif name == "theme":
                names = dict(self.fields[name].choices)
                label = listed(names.get(slug, slug) for slug in value)
            else:
                label = dict(self.fields[name].choices).get(value, value)
            shown.append((self.fields[name].label, label))
        return shown


def shortened(text, limit=LONGEST_TEXT):
    """The text cut to `limit` characters, at the last space before it when there is one."""
    return text[:limit].rsplit(" ", 1)[0] or text[:limit]


def cut_notice(label):
    return _("Only the first %(count)s characters of “%(field)s” were used.") % {
        "count": LONGEST_TEXT, "field": label}


def filtered_and_sorted(filters, sort):
    """The proposals the filters select, in the chosen order; a relevance sort ranks the text search itself."""
    text = filters.get("q", "")
    others = {name: value for name, value in filters.items() if name != "q"}
    if sort == RELEVANCE and text.strip():
        return Proposal.objects.published().filter_by(**others).ranked(text)
    if sort == MEANING and text.strip():
        candidates = Proposal.objects.published().filter_by(**others)
        found = similar.to_text(text, limit=MEANING_LIMIT, proposals=candidates)
        order = Case(*(When(pk=pk, then=Value(rank)) for rank, (pk, _score) in enumerate(found)),
                     default=Value(len(found)))
        return Proposal.objects.filter(pk__in=[pk for pk, _score in found]).order_by(order, "-id")
    return sort_order(Proposal.objects.published().filter_by(**filters), sort)


def sort_order(queryset, sort):
    if sort == "title":
        return queryset.order_by("title_zh" if reader_prefers_chinese() else "title_en", "id")
    return queryset.order_by(*SORTS.get(sort, SORTS["changed"])[1])
