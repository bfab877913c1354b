"""The editors' desk: what needs doing this morning, on the admin's front page.

Replies overdue (by authority, oldest first), replies falling due in the next two weeks, drafts waiting to
be published, the editor's own recent changes, and published proposals that rest on a single report.
Each list is short (its first rows and how many there are in all) and each row leads to the record-a-step
form, where the work is done.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from .models import Proposal, ProposalSource, StatusEvent

ROWS = 25
DUE_SOON_DAYS = 14
# Proposals whose only reported step is their submission (or announcement): the first report is all there is.
EARLY_STATUSES = ["announced", "submitted"]


@dataclass
class DeskList:
    rows: list
    total: int


def _short(queryset):
    return DeskList(rows=list(queryset[:ROWS]), total=queryset.count())


def overdue_replies(today):
    return _short(StatusEvent.objects.published().overdue(today).select_related("proposal", "reply_owed_by")
                  .order_by("reply_owed_by__name_en", "reply_due_on", "id"))


def replies_due_soon(today):
    return _short(StatusEvent.objects.published().owing_reply()
                  .filter(reply_due_on__gte=today, reply_due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
                  .select_related("proposal", "reply_owed_by").order_by("reply_due_on", "id"))


def drafts():
    return _short(Proposal.objects.filter(published=False).select_related("session").order_by("-updated_at"))


def draft_steps():
    return _short(StatusEvent.objects.filter(published=False, proposal__published=True)
                  .select_related("proposal").order_by("-updated_at"))


def single_report_proposals():
    """Published proposals still at their first step, whose steps and own sources all cite one same source."""
    other_source = ProposalSource.objects.filter(proposal=OuterRef("pk")).exclude(
        source__in=StatusEvent.objects.filter(proposal=OuterRef(OuterRef("pk"))).values("source"))
    candidates = (
        Proposal.objects.published().filter(status__in=EARLY_STATUSES)
        .annotate(cited=Count("status_events__source", distinct=True)).filter(cited__lte=1)
        .exclude(Exists(other_source))
    )
    return _short(candidates.select_related("session").order_by("-session__opened_on", "-id"))


def own_recent_changes(user, limit=15):
    """The editor's latest saves of proposals and steps, newest first."""
    proposals = Proposal.history.filter(history_user=user).order_by("-history_date")[:limit]
    steps = StatusEvent.history.filter(history_user=user).order_by("-history_date")[:limit]
    merged = [(record.history_date, "proposal", record) for record in proposals]
    merged += [(record.history_date, "step", record) for record in steps]
    merged.sort(key=lambda item: item[0], reverse=True)
    return merged[:limit]


def desk(user):
    today = timezone.localdate()
    return {
        "overdue": overdue_replies(today), "due_soon": replies_due_soon(today), "drafts": drafts(),
        "draft_steps": draft_steps(), "single_report": single_report_proposals(),
        "own_changes": own_recent_changes(user), "today": today, "due_soon_days": DUE_SOON_DAYS,
    }
