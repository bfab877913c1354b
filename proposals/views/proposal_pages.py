"""The list of proposals (filters, search, sort, pages) and one proposal with its timeline."""

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import charts, services
from proposals.meaning import similar
from proposals.models import Proposal, Sponsorship
from tracker.caching import cached_piece, depends_only_on, proposal_tag

from .cards import proposal_cards
from .filtering import MEANING, RELEVANCE, ProposalFilterForm, filtered_and_sorted
from .pagination import COUNT_CAP, count_limit, paginate, requested_page

# The most matches ranked by relevance; see _listed().
RANK_LIMIT = COUNT_CAP


def proposal_list(request):
    searching = bool(request.GET.get("q", "").strip())
    form = ProposalFilterForm(request.GET, searching=searching)
    filters, notices = form.valid_filters()
    sort = form.chosen_sort()
    queryset, count, capped, sort_notice = _listed(filters, sort, requested_page(request)[0])
    if sort_notice:
        sort = "changed"
        notices.append(sort_notice)
    page, page_notice = paginate(
        request, queryset.with_related(), count=count, count_cap=COUNT_CAP if capped else None
    )
    if page_notice:
        notices.append(page_notice)
    return render(request, "proposals/proposal_list.html", {
        "form": form, "page": page, "cards": proposal_cards(page), "notices": notices,
        "active_filters": form.active(), "sort": sort,
    })


def _listed(filters, sort, page_number):
    """(proposals in order, their count if already known, whether counts stop at COUNT_CAP, a notice if
    the relevance order was given up).

    Ranking by relevance scores and sorts every match: about 50 ms of PostgreSQL time for a word in half of
    100,000 proposals, against 0.4 ms to walk the recency index until a page is full. A word that common
    says little about which proposal is best, so past RANK_LIMIT matches the list keeps recency order and
    says so; rarer words (or a word with filters) are ranked, which costs a few ms for up to RANK_LIMIT rows.
    Whether there are more is asked with a count capped just past the limit (1.6 ms), and that same count
    then serves the paginator.
    """
    if sort == MEANING and filters.get("q", "").strip():
        return filtered_and_sorted(filters, sort), None, False, None  # the closest few: no cap to speak of
    if not (sort == RELEVANCE and filters.get("q", "").strip()):
        if not filters:
            # The whole table: its size is one figure per data version, not a COUNT(*) per request.
            return filtered_and_sorted(filters, sort), cached_piece("proposal-count", compute=_count_all), False, None
        return filtered_and_sorted(filters, sort), None, True, None
    matches = Proposal.objects.published().filter_by(**filters)
    count = matches[:count_limit(page_number, COUNT_CAP)].count()
    if count > RANK_LIMIT:
        notice = _("More than %(limit)s proposals match, so they are listed by last status change; "
                   "add words or filters to rank them by relevance.") % {"limit": f"{RANK_LIMIT:,}"}
        return filtered_and_sorted(filters, "changed"), count, True, notice
    return filtered_and_sorted(filters, sort), count, True, None


def _count_all():
    return Proposal.objects.published().count()


def proposal_detail(request, pk, slug):
    editor = _editor(request)
    proposal = get_object_or_404(
        (Proposal.objects.all() if editor else Proposal.objects.published()).select_related(
            "session__body").prefetch_related(
            Prefetch("sponsorships", queryset=Sponsorship.objects.select_related("delegate")),
            "themes",
            "sources",
            Prefetch("related", queryset=Proposal.objects.published().select_related("session")),
        ),
        pk=pk,
    )
    if slug != proposal.slug:
        # Titles change; old links keep working and land on the current address.
        return redirect(proposal, permanent=True)
    steps = proposal.status_events.all() if editor else proposal.status_events.filter(published=True)
    events = list(steps.select_related("source", "authority").order_by("date", "id"))
    today = timezone.localdate()
    by_id = {event.pk: event for event in events}
    for event in events:  # each event's settling event is on this same timeline: no query per event
        event.reply_settled_by = by_id.get(event.reply_settled_by_id)
    overdue_ids = {event.pk for event in events if event.is_overdue(today)}
    overdue_since = proposal.reply_due_on if proposal.is_overdue(today) else None
    rows = charts.timeline_rows(events, overdue_ids)
    timeline = charts.timeline_svg(
        rows, title=_("Timeline of “%(title)s”") % {"title": proposal.title}, overdue_since=overdue_since
    )
    shown_similar = similar.for_page(proposal)
    # The page shows this proposal, and the titles and statuses of those it links to; no list: a save to any
    # other proposal leaves its cached copy standing (tracker/caching.py).
    depends_only_on(*(proposal_tag(pk) for pk in {
        proposal.pk, *(other.pk for other in proposal.related.all()), *(match.proposal.pk for match in shown_similar)}))
    return render(request, "proposals/proposal_detail.html", {
        "proposal": proposal, "events": events, "overdue_ids": overdue_ids, "overdue_since": overdue_since,
        "timeline": timeline, "milestone_rows": _first_of_each_milestone(rows),
        "feed_url": reverse("proposals:feed_proposal", kwargs={"pk": proposal.pk}),
        "record_step_url": _record_step_url(request, proposal),
        "similar": shown_similar,
    })


def _editor(request):
    """A signed-in editor, who also sees drafts; asked without touching a reader's session (no cookie, no look)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and services.can_see_drafts(request.user)


def _record_step_url(request, proposal):
    """The editors' record-a-step form, for a signed-in editor; None for readers, without touching their session."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not services.can_record_status(request.user):
        return None
    form = reverse("admin:proposals_proposal_record_step", args=[proposal.pk])
    return f"{form}?{urlencode({'next': request.get_full_path()})}"


def _first_of_each_milestone(rows):
    """One entry per milestone for the text summary: when it was first reached, or why not."""
    seen, firsts = set(), []
    for row in rows:
        if row.is_milestone and row.status not in seen:
            seen.add(row.status)
            firsts.append(row)
    return firsts


def proposal_by_id(request, pk):
    proposals = Proposal.objects.all() if _editor(request) else Proposal.objects.published()
    return redirect(get_object_or_404(proposals.only("pk", "slug"), pk=pk), permanent=True)



