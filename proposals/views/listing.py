"""What every list of proposals shares: the filter form read from the URL, sorting and forgiving pagination.

The URL is the state: filters, sort and page are plain GET parameters, so a list can be shared and bookmarked.
Values the site does not know (an unknown theme, `page=abc`) never raise: the list is shown without them,
with a notice saying what was ignored.
"""

from django import forms
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import Company, Delegate
from proposals.bilingual import reader_prefers_chinese
from proposals.lifecycle import Status
from proposals.models import Body, Proposal, Session, Theme
from proposals.templatetags.reader import status_name

PAGE_SIZE = 50
# Lists count their rows only this far (plus one, to know there are more): counting all 56,000 matches of a
# common word costs more than the rest of the page, and "1,000+" tells the reader as much.
COUNT_CAP = 1000

SORTS = {
    "changed": (gettext_lazy("Last status change"), ["-status_date", "-id"]),
    "newest": (gettext_lazy("Newest"), ["-session__opened_on", "-id"]),
    "title": (gettext_lazy("Title"), None),  # by the title in the reader's language, see sort_order()
}
RELEVANCE = "relevance"
# Form fields whose typed text filter_by() reads as a name or a slug, and the argument that does so.
NAMED_FILTERS = {"delegate": "delegate_named", "company": "company_named"}


def _choices(queryset, empty):
    rows = [(obj.slug, obj.name) for obj in queryset]
    return [("", empty), *rows]


class ProposalFilterForm(forms.Form):
    """The filters of `/proposals/`, each a GET parameter named like the argument of `filter_by()`.

    Delegates and companies are typed, not picked: thousands of options would make every list page a
    few hundred kilobytes, most of the time spent rendering them.
    """

    q = forms.CharField(label=gettext_lazy("Words"), required=False, max_length=200)
    theme = forms.ChoiceField(label=gettext_lazy("Theme"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    session = forms.ChoiceField(label=gettext_lazy("Session"), required=False)
    body = forms.ChoiceField(label=gettext_lazy("Body"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    delegate = forms.CharField(
        label=gettext_lazy("Delegate"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    company = forms.CharField(
        label=gettext_lazy("Company"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
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
        sorts = [(key, label) for key, (label, _order) in SORTS.items()]
        if searching:
            sorts.insert(0, (RELEVANCE, _("Relevance")))
        fields["sort"].choices = sorts
        self.named = {}  # field name -> the name of the delegate or company its slug chose

    def valid_filters(self):
        """The filters that make sense (as filter_by() arguments), and notices naming those left out."""
        self.is_valid()
        notices = []
        for name in self.errors:
            notices.append(
                _("“%(value)s” is not a known %(field)s, so that filter was left out.")
                % {"value": self.data.get(name, "")[:100], "field": str(self.fields[name].label).lower()}
            )
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
            self.data = self.data.copy()
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
            else:
                label = dict(self.fields[name].choices).get(value, value)
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


class ListPaginator(Paginator):
    """A paginator told its total when the page already knows it, or counting only as far as it must.

    With `count_limit`, COUNT runs over at most that many rows; when the limit is reached, `count_is_partial`
    is true and the count is a lower bound ("1,000+"). The limit always reaches one row past the requested
    page, so "next" appears exactly when there is a next row.
    """

    def __init__(self, object_list, per_page, *, known_count=None, count_limit=None):
        super().__init__(object_list, per_page)
        self.known_count = known_count
        self.count_limit = count_limit

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        if self.count_limit is None:
            return super().count
        return self.object_list[:self.count_limit].count()

    @property
    def count_is_partial(self):
        return self.count_limit is not None and self.count >= self.count_limit

    @property
    def shown_count(self):
        """The count as the page says it: exact, or the lower bound with a plus."""
        if self.count_is_partial:
            return f"{self.count_limit - 1:,}+"
        return f"{self.count:,}"


def count_limit(page_number, cap, per_page=PAGE_SIZE):
    """How far to count for a page: past the cap, and always one row past the page asked for."""
    return max(cap, page_number * per_page) + 1


def paginate(request, queryset, per_page=PAGE_SIZE, *, count=None, count_cap=None):
    """The requested page, or the nearest real one with a notice; never an error for a bad page number.

    `count` is the total when the caller already has it (no COUNT query). With `count_cap`, rows are
    counted only up to count_limit() (or `count` was counted so), and a total that reaches it is shown
    as a lower bound, "1,000+".
    """
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
    limit = count_limit(number, count_cap, per_page) if count_cap is not None else None
    paginator = ListPaginator(queryset, per_page, known_count=count, count_limit=limit)
    if number > paginator.num_pages:
        notice = _("There is no page %(page)s; the last page, %(last)s, is shown.") % {
            "page": number, "last": paginator.num_pages}
        number = paginator.num_pages
    return paginator.page(number), notice
