"""What every list of proposals shares: the filter form read from the URL, sorting and forgiving pagination.

The URL is the state: filters, sort and page are plain GET parameters, so a list can be shared and bookmarked.
Values the site does not know (an unknown theme, `page=abc`) never raise: the list is shown without them,
with a notice saying what was ignored.
"""

from django import forms
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import Company, Delegate
from proposals.bilingual import reader_prefers_chinese
from proposals.lifecycle import Status
from proposals.models import Body, Proposal, Session, Theme
from proposals.templatetags.reader import status_name

PAGE_SIZE = 50

SORTS = {
    "changed": (gettext_lazy("Last status change"), ["-status_date", "-id"]),
    "newest": (gettext_lazy("Newest"), ["-session__opened_on", "-id"]),
    "title": (gettext_lazy("Title"), None),  # by the title in the reader's language, see sort_order()
}
RELEVANCE = "relevance"


def _choices(queryset, empty):
    rows = [(obj.slug, obj.name) for obj in queryset]
    return [("", empty), *rows]


class ProposalFilterForm(forms.Form):
    """The filters of `/proposals/`, each a GET parameter named like the argument of `filter_by()`."""

    q = forms.CharField(label=gettext_lazy("Words"), required=False, max_length=200)
    theme = forms.ChoiceField(label=gettext_lazy("Theme"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    session = forms.ChoiceField(label=gettext_lazy("Session"), required=False)
    body = forms.ChoiceField(label=gettext_lazy("Body"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    delegate = forms.ChoiceField(label=gettext_lazy("Delegate"), required=False)
    company = forms.ChoiceField(label=gettext_lazy("Company"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, data, *, searching=False):
        super().__init__(data)
        anything = _("Any")
        fields = self.fields
        fields["theme"].choices = _choices(Theme.objects.only("slug", "name_en", "name_zh"), anything)
        fields["status"].choices = [("", anything), *((s, status_name(s)) for s in Status.values)]
        fields["session"].choices = _choices(Session.objects.only("slug", "name_en", "name_zh"), anything)
        fields["body"].choices = _choices(Body.objects.only("slug", "name_en", "name_zh"), anything)
        fields["kind"].choices = [("", anything), *Proposal.Kind.choices]
        fields["delegate"].choices = _choices(Delegate.objects.only("slug", "name_en", "name_zh"), anything)
        fields["company"].choices = _choices(Company.objects.only("slug", "name_en", "name_zh"), anything)
        sorts = [(key, label) for key, (label, _order) in SORTS.items()]
        if searching:
            sorts.insert(0, (RELEVANCE, _("Relevance")))
        fields["sort"].choices = sorts

    def valid_filters(self):
        """The filters that make sense, and notices naming those that did not (and were left out)."""
        self.is_valid()
        notices = []
        for name in self.errors:
            notices.append(
                _("“%(value)s” is not a known %(field)s, so that filter was left out.")
                % {"value": self.data.get(name, "")[:100], "field": str(self.fields[name].label).lower()}
            )
        filters = {
            name: value for name, value in self.cleaned_data.items() if value and name not in ("sort",)
        }
        return filters, notices

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
            if value:
                label = dict(self.fields[name].choices).get(value, value) if name != "q" else f"“{value}”"
                shown.append((self.fields[name].label, label))
        return shown


def filtered_and_sorted(filters, sort):
    """The proposals the filters select, in the chosen order; a relevance sort ranks the text search itself."""
    text = filters.get("q", "")
    if sort == RELEVANCE and text.strip():
        others = {name: value for name, value in filters.items() if name != "q"}
        return Proposal.objects.filter_by(**others).ranked(text)
    return sort_order(Proposal.objects.filter_by(**filters), sort)


def sort_order(queryset, sort):
    if sort == "title":
        return queryset.order_by("title_zh" if reader_prefers_chinese() else "title_en", "id")
    return queryset.order_by(*SORTS.get(sort, SORTS["changed"])[1])


def paginate(request, queryset, per_page=PAGE_SIZE):
    """The requested page, or the nearest real one with a notice; never an error for a bad page number."""
    paginator = Paginator(queryset, per_page)
    raw = request.GET.get("page", "1")
    notice = None
    try:
        number = int(raw)
    except ValueError:
        number = 1
        notice = _("“%(page)s” is not a page number, so the first page is shown.") % {"page": raw[:20]}
    if number < 1:
        number = 1
        notice = _("Pages start at 1, so the first page is shown.")
    elif number > paginator.num_pages:
        notice = _("There is no page %(page)s; the last page, %(last)s, is shown.") % {
            "page": number, "last": paginator.num_pages}
        number = paginator.num_pages
    return paginator.page(number), notice
