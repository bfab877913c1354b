"""Scorecards of the handling authorities: how each one answers the proposals referred to it, per session.

Every figure comes from what the lifecycle stored on the published steps (lifecycle.reply_debts):

- referrals received: referral steps naming the authority, in any role;
- owing a reply: referrals to it as lead or separate authority (a co-handling one answers through the lead);
- replied: those whose debt a reply settled; replied on time: settled by a reply dated on or before the due date;
- share on time: replied on time ÷ the owed referrals that are answered or already past their due date
  (a referral still inside its three months counts neither way);
- median days to reply: from the referral to the reply that settled it;
- grade mix: its replies by grade; verdicts: the proposers' feedback on its replies (each feedback step is
  the proposer's verdict on the latest reply before it);
- rehandling rate: rehandlings it owes ÷ its replies; overdue now: replies it owes whose due date has passed.

The sums are a few grouped queries however many proposals there are; the medians come from the replied
referrals' dates. Pages and the API both read `scorecards()`; it is cached per data version.
"""

import statistics
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from tracker.caching import cached_piece

from .lifecycle import ReplyGrade, Status, Verdict
from .models import Authority, Session, StatusEvent


@dataclass
class Scorecard:
    authority_id: int
    session_id: int | None  # None: every session together
    referrals: int = 0
    owing: int = 0
    replied: int = 0
    replied_on_time: int = 0
    judged: int = 0  # answered, or past the due date: the denominator of the on-time share
    overdue: int = 0
    rehandlings: int = 0
    grades: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)
    reply_days: list = field(default_factory=list)

    @property
    def on_time_share(self):
        return self.replied_on_time / self.judged if self.judged else None

    @property
    def median_days(self):
        return statistics.median(self.reply_days) if self.reply_days else None

    @property
    def replies(self):
        return sum(self.grades.values())

    @property
    def rehandling_rate(self):
        return self.rehandlings / self.replies if self.replies else None

    def grade_counts(self):
        return [(grade, self.grades.get(grade, 0)) for grade in ReplyGrade.values]

    def verdict_counts(self):
        return [(verdict, self.verdicts.get(verdict, 0)) for verdict in Verdict.values]

    def add(self, other):
        for name in ("referrals", "owing", "replied", "replied_on_time", "judged", "overdue", "rehandlings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("grades", "verdicts"):
            mine = getattr(self, name)
            for key, count in getattr(other, name).items():
                mine[key] = mine.get(key, 0) + count
        self.reply_days.extend(other.reply_days)


def _compute(today):
    cards = {}

    def card(authority_id, session_id):
        key = (authority_id, session_id)
        if key not in cards:
            cards[key] = Scorecard(authority_id, session_id)
        return cards[key]

    steps = StatusEvent.objects.published().order_by()
    by = {"session": F("proposal__session")}
    for row in steps.filter(status=Status.REFERRED, authority__isnull=False).values(
            "authority", **by).annotate(n=Count("pk")):
        card(row["authority"], row["session"]).referrals = row["n"]
    replied = Q(reply_settled_by__status=Status.REPLIED)
    owed = steps.filter(status=Status.REFERRED, reply_owed_by__isnull=False)
    for row in owed.values("reply_owed_by", **by).annotate(
        owing=Count("pk"), replied=Count("pk", filter=replied),
        on_time=Count("pk", filter=replied & Q(reply_settled_by__date__lte=F("reply_due_on"))),
        judged=Count("pk", filter=replied | Q(reply_settled_by__isnull=True, reply_due_on__lt=today)),
    ):
        target = card(row["reply_owed_by"], row["session"])
        target.owing, target.replied = row["owing"], row["replied"]
        target.replied_on_time, target.judged = row["on_time"], row["judged"]
    for authority_id, session_id, referred_on, replied_on in owed.filter(replied).values_list(
            "reply_owed_by", "proposal__session", "date", "reply_settled_by__date"):
        card(authority_id, session_id).reply_days.append((replied_on - referred_on).days)
    for row in steps.owing_reply().filter(reply_due_on__lt=today).values("reply_owed_by", **by).annotate(
            n=Count("pk")):
        card(row["reply_owed_by"], row["session"]).overdue = row["n"]
    for row in steps.filter(status=Status.REHANDLING, reply_owed_by__isnull=False).values(
            "reply_owed_by", **by).annotate(n=Count("pk")):
        card(row["reply_owed_by"], row["session"]).rehandlings = row["n"]
    for row in steps.filter(status=Status.REPLIED, authority__isnull=False).exclude(reply_grade="").values(
            "authority", "reply_grade", **by).annotate(n=Count("pk")):
        card(row["authority"], row["session"]).grades[row["reply_grade"]] = row["n"]
    # A proposer's feedback judges the latest reply before it: its authority is that reply's.
    judged_reply = StatusEvent.objects.filter(
        proposal=OuterRef("proposal"), status=Status.REPLIED, published=True, date__lte=OuterRef("date"),
    ).order_by("-date", "-id").values("authority")[:1]
    for row in steps.filter(status=Status.FEEDBACK).exclude(verdict="").annotate(
            replier=Subquery(judged_reply)).values("replier", "verdict", **by).annotate(n=Count("pk")):
        if row["replier"] is not None:
            card(row["replier"], row["session"]).verdicts[row["verdict"]] = row["n"]
    for (authority_id, _session_id), one in list(cards.items()):
        card(authority_id, None).add(one)
    return cards


def scorecards(today=None):
    """{(authority id, session id or None): Scorecard}, computed once per data version and day."""
    today = today or timezone.localdate()
    return cached_piece("scorecards", today.isoformat(), compute=lambda: _compute(today))


def for_authority(authority, today=None):
    """(the authority's card over every session, [(session, card)] newest session first)."""
    cards = scorecards(today)
    overall = cards.get((authority.pk, None)) or Scorecard(authority.pk, None)
    sessions = {session.pk: session for session in Session.objects.filter(
        pk__in=[session_id for authority_id, session_id in cards if authority_id == authority.pk and session_id])}
    per_session = sorted(((sessions[session_id], card) for (authority_id, session_id), card in cards.items()
                          if authority_id == authority.pk and session_id in sessions),
                         key=lambda pair: pair[0].opened_on, reverse=True)
    return overall, per_session


# How the comparison table may be sorted, and the value each column sorts by (missing values last).
SORTS = {
    "name": lambda authority, card: authority.name,
    "referrals": lambda authority, card: -card.referrals,
    "on_time": lambda authority, card: -(card.on_time_share if card.on_time_share is not None else -1),
    "median": lambda authority, card: card.median_days if card.median_days is not None else float("inf"),
    "overdue": lambda authority, card: -card.overdue,
    "rehandling": lambda authority, card: -(card.rehandling_rate or 0),
}


def comparison(session=None, sort="overdue", today=None):
    """[(authority, card)] for every authority, for one session or all, in the chosen order."""
    cards = scorecards(today)
    session_id = session.pk if session is not None else None
    rows = [(authority, cards.get((authority.pk, session_id)) or Scorecard(authority.pk, session_id))
            for authority in Authority.objects.order_by("name_en")]
    key = SORTS.get(sort, SORTS["overdue"])
    return sorted(rows, key=lambda pair: (key(*pair), pair[0].name_en))
