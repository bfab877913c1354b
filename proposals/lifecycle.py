"""The status lifecycle of a proposal: the statuses, the order they come in, and the rules a timeline obeys.

Everything that decides whether a sequence of status events is possible lives here, so the admin, the API,
the bulk action and the data loaders all refuse the same things with the same words.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    FILED = "filed", _("Filed")
    NOT_FILED = "not_filed", _("Not filed")
    MERGED = "merged", _("Merged")
    CONVERTED = "converted", _("Converted to a suggestion")
    REFERRED = "referred", _("Referred")
    REPLIED = "replied", _("Replied")
    FEEDBACK = "feedback", _("Proposer's feedback")
    REHANDLING = "rehandling", _("Rehandling")
    CLOSED = "closed", _("Closed")
    ADOPTED = "adopted", _("Adopted")
    IMPLEMENTED = "implemented", _("Implemented")
    WITHDRAWN = "withdrawn", _("Withdrawn")


STATUS_CHINESE = {
    Status.ANNOUNCED: "拟提交",
    Status.SUBMITTED: "提交",
    Status.UNDER_REVIEW: "审查",
    Status.FILED: "立案",
    Status.NOT_FILED: "不予立案",
    Status.MERGED: "并案",
    Status.CONVERTED: "改作建议",
    Status.REFERRED: "交办",
    Status.REPLIED: "答复",
    Status.FEEDBACK: "征询意见",
    Status.REHANDLING: "重新办理",
    Status.CLOSED: "办结",
    Status.ADOPTED: "采纳",
    Status.IMPLEMENTED: "落实",
    Status.WITHDRAWN: "撤回",
}


class HandlingRole(models.TextChoices):
    LEAD = "lead", _("Lead (主办)")
    CO_HANDLING = "co", _("Co-handling (协办/会办)")
    SEPARATE = "separate", _("Separate (分办)")


class ReplyGrade(models.TextChoices):
    A = "A", _("A: solved or mostly solved")
    B = "B", _("B: being solved or planned")
    C = "C", _("C: later, conditions lacking")
    D = "D", _("D: kept for reference")


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# Where each status stands in the life of a proposal. A timeline never moves back to an earlier stage,
# except that rehandling reopens a closed proposal. Withdrawn has no stage: it may come at any point
# before handling concluded.
STAGE = {
    Status.ANNOUNCED: 0,
    Status.SUBMITTED: 1,
    Status.UNDER_REVIEW: 2,
    Status.FILED: 3,
    Status.NOT_FILED: 3,
    Status.MERGED: 3,
    Status.CONVERTED: 3,
    Status.REFERRED: 4,
    Status.REPLIED: 4,
    Status.FEEDBACK: 4,
    Status.REHANDLING: 4,
    Status.CLOSED: 5,
    Status.ADOPTED: 5,
    Status.IMPLEMENTED: 5,
}

# The main road, in order, for drawing which stages a proposal reached and which it has not.
MILESTONES = [
    Status.SUBMITTED,
    Status.FILED,
    Status.REFERRED,
    Status.REPLIED,
    Status.CLOSED,
    Status.ADOPTED,
    Status.IMPLEMENTED,
]
# Where each status sits along that road (a milestone at its own index). Statuses off the road sit between
# the milestones they follow and precede; withdrawal has no place, it can come anywhere.
ROAD_POSITION = {status: float(index) for index, status in enumerate(MILESTONES)}
ROAD_POSITION.update({
    Status.ANNOUNCED: -0.5, Status.UNDER_REVIEW: 0.5, Status.NOT_FILED: 0.9, Status.MERGED: 1.0,
    Status.CONVERTED: 1.0, Status.FEEDBACK: 3.5, Status.REHANDLING: 3.5,
})


def milestones_reached(status):
    """How many milestones a proposal now at `status` has passed (0 when unknown, e.g. after a withdrawal)."""
    position = ROAD_POSITION.get(status)
    if position is None:
        return 0
    return sum(1 for index in range(len(MILESTONES)) if index <= position)


# Nothing may follow these.
FINAL = {Status.WITHDRAWN, Status.NOT_FILED}
# After a closure only these may follow; rehandling reopens the proposal.
AFTER_CLOSURE = {Status.REHANDLING, Status.ADOPTED, Status.IMPLEMENTED}
# A status that needs an earlier one of the listed statuses.
REQUIRES = {
    Status.REPLIED: ({Status.REFERRED, Status.REHANDLING}, _("a reply needs an earlier referral")),
    Status.FEEDBACK: ({Status.REPLIED}, _("the proposer's feedback needs an earlier reply")),
    Status.REHANDLING: ({Status.FEEDBACK, Status.REPLIED}, _("rehandling needs an earlier reply")),
}

# Replies are due three months after referral; a reply after rehandling within one month.
REPLY_DUE_MONTHS = 3
REHANDLING_DUE_MONTHS = 1
# Roles that owe the proposer a reply of their own (co-handling authorities answer through the lead).
REPLYING_ROLES = {HandlingRole.LEAD, HandlingRole.SEPARATE, ""}
# Statuses that end every debt of a reply. Adoption and implementation end handling too: the proposal is
# then reflected in a law, plan or policy, which is the answer it asked for, whether or not a closure
# was recorded.
ENDS_HANDLING = {Status.CLOSED, Status.WITHDRAWN, Status.NOT_FILED, Status.ADOPTED, Status.IMPLEMENTED}

# Which of the event's optional fields belong to which status.
FIELDS_FOR_STATUS = {
    "handling_role": {Status.REFERRED},
    "reply_grade": {Status.REPLIED},
    "reply_url": {Status.REPLIED},
    "reply_public": {Status.REPLIED},
    "verdict": {Status.FEEDBACK},
    "adopted_in": {Status.ADOPTED, Status.IMPLEMENTED},
}
AUTHORITY_STATUSES = {Status.REFERRED, Status.REPLIED, Status.REHANDLING}


def add_months(day, months):
    """The same day `months` later, moved back to the month's last day where it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def is_overdue(reply_due_on, today):
    """Whether a reply due on `reply_due_on` (None: none owed) is late on `today`."""
    return reply_due_on is not None and reply_due_on < today


def label(status):
    return Status(status).label


def check_event_fields(event):
    """Errors for one event's own fields, keyed by field name, as a form would show them."""
    errors = {}
    status = event.status
    for field, statuses in FIELDS_FOR_STATUS.items():
        value = getattr(event, field)
        if value not in ("", None, False) and status not in statuses:
            names = ", ".join(str(label(s)) for s in statuses)
            errors[field] = _("Only an event of status %(statuses)s takes this field.") % {"statuses": names}
    if event.authority_id is None and status in {Status.REFERRED, Status.REPLIED}:
        errors["authority"] = _("Name the authority this proposal was referred to or that replied.")
    if event.authority_id is not None and status not in AUTHORITY_STATUSES:
        errors["authority"] = _("Only a referral, reply or rehandling names an authority.")
    if status == Status.REFERRED and not event.handling_role:
        errors["handling_role"] = _("Give the authority's role in handling: lead, co-handling or separate.")
    if status == Status.FEEDBACK and not event.verdict:
        errors["verdict"] = _("Give the proposer's verdict.")
    if status == Status.ADOPTED and not event.adopted_in:
        errors["adopted_in"] = _("Name the law, plan or policy document that adopted the proposal.")
    if event.source_id is None:
        errors["source"] = _("Every status change needs a source.")
    return errors


def timeline_order(event):
    """Events run by date; on one day, in the order they were entered (unsaved ones last)."""
    return (event.date, event.pk is None, event.pk or 0, getattr(event, "_entry_order", 0))


@dataclass
class Refusal:
    """Why one event of a timeline cannot stand: the event, the field at fault, and the event it conflicts with."""

    event: object
    field: str  # "date", "status" or "authority": where a form shows the message
    code: str
    message: str
    cause: object = None  # the earlier event this one conflicts with, if any

    def as_error(self):
        return ValidationError(self.message, code=self.code)


def timeline_refusals(session, events, today=None):
    """Every reason why this sequence of events cannot happen, as Refusals in timeline order.

    `events` may mix stored and unsaved StatusEvent objects: the admin checks the timeline it is about
    to save, with every inline form applied, before anything is written.
    """
    today = today or datetime.date.today()
    refusals = []
    latest_stage, stage_event = -1, None
    seen, steps, replying_authorities = set(), {}, set()
    closed = final = None
    for event in sorted(events, key=timeline_order):
        status, when = event.status, event.date

        def refuse(field, code, message, cause=None, event=event, **params):
            params = {"status": label(event.status), "date": event.date.isoformat(), **params}
            refusals.append(Refusal(event, field, code, ("%(status)s on %(date)s: " + str(message)) % params, cause))

        if when > today:
            refuse("date", "date_in_future", _("the date is in the future."))
        if session is not None and when < session.opened_on and status != Status.ANNOUNCED:
            refuse("date", "before_session",
                   _("the session opened on %(opened)s; only an announcement may come before it."),
                   opened=session.opened_on.isoformat())
        if final is not None:
            refuse("status", "after_final", _("nothing can follow “%(final)s”."), final, final=label(final.status))
        elif closed is not None and status not in AFTER_CLOSURE:
            refuse("status", "after_closure",
                   _("the proposal was closed; only rehandling (reopening), adoption or implementation may follow."),
                   closed)
        elif status != Status.WITHDRAWN and STAGE[status] < latest_stage and not (
            status == Status.REHANDLING and closed is not None
        ):
            refuse("status", "step_back", _("this stage comes before %(later)s, which the proposal had already "
                                            "reached."), stage_event,
                   later=f"{label(stage_event.status)} ({stage_event.date.isoformat()})")
        if status in REQUIRES:
            needed, message = REQUIRES[status]
            if not seen & needed:
                refuse("status", "needs_earlier", message)
        step = (status, when, event.authority_id)
        if step in steps:
            refuse("status", "duplicate_step", _("the same step is already recorded on this date."), steps[step])
        if status == Status.REPLIED and event.authority_id is not None and \
                event.authority_id not in replying_authorities and seen & REQUIRES[Status.REPLIED][0]:
            refuse("authority", "reply_not_referred",
                   _("the authority replying was not referred this proposal as lead or separate authority "
                     "(a co-handling authority answers through the lead)."))

        steps.setdefault(step, event)
        seen.add(status)
        if status == Status.REFERRED and event.handling_role in REPLYING_ROLES:
            replying_authorities.add(event.authority_id)
        if status in FINAL:
            final = event
        if status == Status.CLOSED:
            closed = event
        elif status == Status.REHANDLING:
            closed = None
            latest_stage, stage_event = STAGE[status], event
            continue
        if status != Status.WITHDRAWN and STAGE[status] >= latest_stage:
            latest_stage, stage_event = STAGE[status], event
    return refusals


def check_timeline(session, events, today=None):
    """Raise ValidationError listing every reason why this sequence of events cannot happen."""
    refusals = timeline_refusals(session, events, today)
    if refusals:
        raise ValidationError([refusal.as_error() for refusal in refusals])


@dataclass
class ReplyDebt:
    """A reply owed to the proposer: opened by a referral or a rehandling, settled by a later event or not yet."""

    opened_by: object  # the StatusEvent
    due_on: datetime.date
    owed_by_id: int | None  # the authority that owes it
    settled_by: object = None  # the StatusEvent that settled it, None while it is owed

    @property
    def owed(self):
        return self.settled_by is None


def reply_debts(events):
    """Every reply debt a timeline opens, in timeline order, each with the event that settled it.

    The one statement of the rule; what it decides is stored on the events and the proposal when a timeline
    is saved, and every page, list, export and feed reads it from there:

    - a referral to a lead or separate authority opens a debt of that authority, due three months later
      (a co-handling authority answers through the lead and owes nothing of its own);
    - rehandling opens a debt due one month later, owed by the authority it names or, when it names none,
      by the authority whose reply was rejected (the latest to reply before it);
    - a reply settles every open debt of its authority (and any debt naming no authority);
    - closure, withdrawal, a refusal to file, adoption and implementation end handling: they settle all.

    Events count in timeline order (by date, then as entered), so a reply entered before a re-referral on
    the same day does not settle that re-referral.
    """
    debts, latest_replier = [], None
    for event in sorted(events, key=timeline_order):
        opened = None
        if event.status == Status.REFERRED and event.handling_role in REPLYING_ROLES:
            opened = ReplyDebt(event, add_months(event.date, REPLY_DUE_MONTHS), event.authority_id)
        elif event.status == Status.REHANDLING:
            opened = ReplyDebt(event, add_months(event.date, REHANDLING_DUE_MONTHS),
                               event.authority_id or latest_replier)
        elif event.status == Status.REPLIED:
            for debt in debts:
                if debt.owed and debt.owed_by_id in (event.authority_id, None):
                    debt.settled_by = event
            latest_replier = event.authority_id
        elif event.status in ENDS_HANDLING:
            for debt in debts:
                if debt.owed:
                    debt.settled_by = event
        if opened is not None:
            debts.append(opened)
    return debts


def reply_due(debts):
    """The earliest date by which a reply is still owed, or None when none is."""
    return min((debt.due_on for debt in debts if debt.owed), default=None)
