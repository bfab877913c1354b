"""Pages of a list that never fail: a bad page number shows the nearest real page with a notice.

Counting is the expensive part of a page at 100,000 proposals, so a list may be told its total, or
count only as far as the page needs ("1,000+").
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

PAGE_SIZE = 50
# Lists count their rows only this far (plus one, to know there are more): counting all 56,000 matches of a
# common word costs more than the rest of the page, and "1,000+" tells the reader as much.
COUNT_CAP = 1000
# No list has this many pages (a million pages of 50 is 50 million rows); a larger number is the last page.
MAX_PAGE = 1_000_000


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


def requested_page(request):
    """(the page number asked for, a notice when it was not one): never more than MAX_PAGE.

    Only ASCII digits count; a number past MAX_PAGE is taken as MAX_PAGE, which paginate() then moves to the
    last real page. Without the bound, a 21-digit page number reached the database as an OFFSET and failed there.
    """
    raw = request.GET.get("page", "1").strip() or "1"
    if raw.startswith("-") and raw[1:].isascii() and raw[1:].isdigit():
        return 1, _("Pages start at 1, so the first page is shown.")
    if not (raw.isascii() and raw.isdigit()):
        return 1, _("“%(page)s” is not a page number, so the first page is shown.") % {"page": raw[:20]}
    number = int(raw[:12])  # more digits than MAX_PAGE has cannot name a smaller page
    if number < 1:
        return 1, _("Pages start at 1, so the first page is shown.")
    return min(number, MAX_PAGE), None


def paginate(request, queryset, per_page=PAGE_SIZE, *, count=None, count_cap=None):
    """The requested page, or the nearest real one with a notice; never an error for a bad page number.

    `count` is the total when the caller already has it (no COUNT query). With `count_cap`, rows are
    counted only up to count_limit() (or `count` was counted so), and a total that reaches it is shown
    as a lower bound, "1,000+".
    """
    number, notice = requested_page(request)
    limit = count_limit(number, count_cap, per_page) if count_cap is not None else None
    paginator = ListPaginator(queryset, per_page, known_count=count, count_limit=limit)
    if number > paginator.num_pages:
        notice = _("There is no page %(page)s; the last page, %(last)s, is shown.") % {
            "page": request.GET.get("page", "")[:20], "last": paginator.num_pages}
        number = paginator.num_pages
    return paginator.page(number), notice
