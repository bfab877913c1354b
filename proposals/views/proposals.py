"""The list of proposals (filters, search, sort, pages) and one proposal with its timeline."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import charts
from proposals.models import Proposal, Sponsorship

from .listing import ProposalFilterForm, filtered_and_sorted, paginate


def proposal_list(request):
    searching = bool(request.GET.get("q", "").strip())
    form = ProposalFilterForm(request.GET, searching=searching)
    filters, notices = form.valid_filters()
    sort = form.chosen_sort()
    queryset = filtered_and_sorted(filters, sort).with_related()
    page, page_notice = paginate(request, queryset)
    if page_notice:
        notices.append(page_notice)
    return render(request, "proposals/proposal_list.html", {
        "form": form, "page": page, "notices": notices, "active_filters": form.active(), "sort": sort,
    })


def search(request):
    """The header's search box lands on the proposal list, which ranks results by relevance."""
    url = reverse("proposals:proposal_list")
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


def proposal_detail(request, pk, slug):
    proposal = get_object_or_404(
        Proposal.objects.select_related("session__body").prefetch_related(
            Prefetch("sponsorships", queryset=Sponsorship.objects.select_related("delegate")),
            "themes",
            "sources",
            Prefetch("related", queryset=Proposal.objects.select_related("session")),
        ),
        pk=pk,
    )
    if slug != proposal.slug:
        # Titles change; old links keep working and land on the current address.
        return redirect(proposal, permanent=True)
    events = list(proposal.status_events.select_related("source", "authority").order_by("date", "id"))
    today = timezone.localdate()
    overdue_ids = set(proposal.status_events.overdue(today).values_list("pk", flat=True)) if events else set()
    overdue_since = proposal.reply_due_on if proposal.is_overdue(today) else None
    rows = charts.timeline_rows(events, overdue_ids)
    timeline = charts.timeline_svg(
        rows, title=_("Timeline of “%(title)s”") % {"title": proposal.title}, overdue_since=overdue_since
    )
    return render(request, "proposals/proposal_detail.html", {
        "proposal": proposal, "events": events, "overdue_ids": overdue_ids, "overdue_since": overdue_since,
        "timeline": timeline, "milestone_rows": _first_of_each_milestone(rows),
        "feed_url": reverse("proposals:feed_proposal", kwargs={"pk": proposal.pk}),
        "reply_due": {event.pk: event.reply_due() for event in events},
    })


def _first_of_each_milestone(rows):
    """One entry per milestone for the text summary: when it was first reached, or why not."""
    seen, firsts = set(), []
    for row in rows:
        if row.is_milestone and row.status not in seen:
            seen.add(row.status)
            firsts.append(row)
    return firsts


def proposal_by_id(request, pk):
    return redirect(get_object_or_404(Proposal.objects.only("pk", "slug"), pk=pk), permanent=True)



