"""The list of proposals (filters, search, sort, pages) and one proposal with its timeline."""

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from proposals import charts, services
from proposals.meaning import similar
from proposals.models import Proposal, Sponsorship
from proposals.templatetags.reader import number
from tracker.caching import cached_piece, depends_only_on, proposal_tag, self_tagged_piece

from .cards import rendered_cards
from .filtering import MEANING, RELEVANCE, ProposalFilterForm, filtered_and_sorted, rendered_filters
from .pagination import paginate

# The most matches ranked by relevance; see _listed().
RANK_LIMIT = 1000


def proposal_list(request):
    searching = bool(request.GET.get("q", "").strip())
    form = ProposalFilterForm(request.GET, searching=searching)
    filters, notices = form.valid_filters()
    sort = form.chosen_sort()
    queryset, count, sort_notice = _listed(filters, sort)
    if sort_notice:
        sort = "changed"
        notices.append(sort_notice)
    page, page_notice = paginate(request, queryset.with_related(), count=count)
    if page_notice:
        notices.append(page_notice)
    return render(request, "proposals/proposal_list.html", {
        "form": form, "filters": rendered_filters(form), "page": page, "cards": rendered_cards(page),
        "notices": notices, "active_filters": form.active(), "sort": sort,
    })


def _listed(filters, sort):
    """(proposals in order, their exact count or None for the paginator to count, a notice if the relevance
    order was given up).

    Ranking by relevance scores and sorts every match: about 50 ms of PostgreSQL time for a word in half of
    100,000 proposals, against 0.4 ms to walk the recency index until a page is full. A word that common
    says little about which proposal is best, so past RANK_LIMIT matches the list keeps recency order and
    says so; rarer words (or a word with filters) are ranked, which costs a few ms for up to RANK_LIMIT rows.
    """
    text = filters.get("q", "").strip()
    if sort == MEANING and text:
        return filtered_and_sorted(filters, sort), None, None  # the closest few: counted in one small query
    count = matching_count(filters)
    if sort == RELEVANCE and text and count > RANK_LIMIT:
        notice = _("More than %(limit)s proposals match, so they are listed by last status change; "
                   "add words or filters to rank them by relevance.") % {"limit": number(RANK_LIMIT)}
        return filtered_and_sorted(filters, "changed"), count, notice
    return filtered_and_sorted(filters, sort), count, None


def matching_count(filters):
    """How many published proposals the filters select, exactly, counted once per data version and filter set.

    A COUNT over a common filter at 100,000 proposals costs tens of milliseconds (docs/architecture.md has the
    figures); readers paging through a list, and the many who open the same popular lists, share one.
    """
    key = urlencode(sorted(filters.items()), doseq=True)
    return cached_piece("proposal-count", key,
                        compute=lambda: Proposal.objects.published().filter_by(**filters).count())


def proposal_detail(request, pk, slug):
    """One proposal's page. A reader's is kept (its content, title and the tags of what it shows) until a save
    touches this proposal, one it links to or the site's shared data, or the day changes; an editor's, which
    shows drafts and the editors' links, is always built afresh."""
    feed_url = reverse("proposals:feed_proposal", kwargs={"pk": pk})
    if is_editor(request):
        page = _proposal_page(request, pk, feed_url, editor=True)
    else:
        def build():
            built = _proposal_page(request, pk, feed_url, editor=False)
            return built, built["tags"]

        page = self_tagged_piece("proposal-page", pk, get_language(), timezone.localdate(), compute=build,
                                 timeout=settings.RESPONSE_CACHE_SECONDS)
    if slug != page["slug"]:
        # Titles change; old links keep working and land on the current address.
        return redirect(page["url"], permanent=True)
    # The page shows this proposal, and the titles and statuses of those it links to; no list: a save to any
    # other proposal leaves its cached copy standing (tracker/caching.py).
    depends_only_on(*page["tags"])
    return render(request, "proposals/proposal_detail.html", {
        "content": page["content"], "page_title": page["title"], "page_description": page["description"],
        "feed_url": feed_url,
    })


def _proposal_page(request, pk, feed_url, *, editor):
    """{slug, url, title, description, content (the page's HTML within the layout), tags (what it shows)}."""
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
    steps = proposal.status_events.all() if editor else proposal.status_events.filter(published=True)
    events = list(steps.select_related("source", "authority").defer("source__text").order_by("date", "id"))
    today = timezone.localdate()
    by_id = {event.pk: event for event in events}
    for event in events:  # each event's settling event is on this same timeline: no query per event
        event.reply_settled_by = by_id.get(event.reply_settled_by_id)
        _elapsed(event, today)
    overdue_since = proposal.reply_due_on if proposal.is_overdue(today) else None
    rows = charts.timeline_rows(events)
    stages = _first_of_each_milestone(rows)
    shown_similar = similar.for_page(proposal)
    content = render_to_string("proposals/proposal_detail_content.html", {
        "proposal": proposal, "events": events, "overdue_since": overdue_since,
        "overdue_days": (today - overdue_since).days if overdue_since else None,
        "stages": stages, "current_stage": _current_stage(stages),
        "feed_url": feed_url,
        "record_step_url": _record_step_url(request, proposal) if editor else None,
        "similar": shown_similar,
    }, request=request)
    return {
        "slug": proposal.slug, "url": proposal.get_absolute_url(), "title": proposal.title, "content": content,
        "description": Truncator(proposal.localized("summary")).words(40, truncate=" …"),  # as truncatewords
        "tags": sorted(proposal_tag(shown) for shown in {
            proposal.pk, *(other.pk for other in proposal.related.all()),
            *(match.proposal.pk for match in shown_similar)}),
    }


def is_editor(request):
    """A signed-in editor, who also sees drafts; asked without touching a reader's session (no cookie, no look)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and services.can_see_drafts(request.user)


def _record_step_url(request, proposal):
    """The editors' record-a-step form, for a signed-in editor; None for readers, without touching their session."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not services.can_record_status(request.user):
        return None
    form = reverse("admin:proposals_proposal_record_step", args=[proposal.pk])
    return f"{form}?{urlencode({'next': request.get_full_path()})}"


def _elapsed(event, today):
    """The spans a reader asks about, in days: how long the reply took, or how late it is."""
    settled = event.reply_settled_by
    event.days_to_reply = (settled.date - event.date).days if settled and settled.status == "replied" else None
    event.days_overdue = (today - event.reply_due_on).days if event.is_overdue(today) else None


def _current_stage(stages):
    """The last milestone reached: where the proposal stands on the track."""
    reached = [row.status for row in stages if row.event]
    return reached[-1] if reached else None


def _first_of_each_milestone(rows):
    """One entry per milestone for the stage track: when it was first reached, or why not."""
    seen, firsts = set(), []
    for row in rows:
        if row.is_milestone and row.status not in seen:
            seen.add(row.status)
            firsts.append(row)
    return firsts


def proposal_by_id(request, pk):
    proposals = Proposal.objects.all() if is_editor(request) else Proposal.objects.published()
    return redirect(get_object_or_404(proposals.only("pk", "slug"), pk=pk), permanent=True)



