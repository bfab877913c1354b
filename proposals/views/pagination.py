"""Pages of a list that never fail: a bad page number shows the nearest real page with a notice.

A list that already knows its total (kept per data version, see proposal_pages) hands it over, so the
page runs no COUNT of its own.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

PAGE_SIZE = 50
# No list has this many pages (a million pages of 50 is 50 million rows); a larger number is the last page.
MAX_PAGE = 1_000_000


class ListPaginator(Paginator):
    """A paginator told its total when the page already knows it."""

    def __init__(self, object_list, per_page, *, known_count=None):
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self):
        return super().count if self.known_count is None else self.known_count


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


def paginate(request, queryset, per_page=PAGE_SIZE, *, count=None):
    """The requested page, or the nearest real one with a notice; never an error for a bad page number.

    `count` is the total when the caller already has it (no COUNT query).
    """
    number, notice = requested_page(request)
    paginator = ListPaginator(queryset, per_page, known_count=count)
    if number > paginator.num_pages:
        notice = _("There is no page %(page)s; the last page, %(last)s, is shown.") % {
            "page": request.GET.get("page", "")[:20], "last": paginator.num_pages}
        number = paginator.num_pages
    return paginator.page(number), notice
