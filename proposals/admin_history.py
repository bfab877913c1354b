"""A proposal's history as editors read it: its own saves, its timeline, sponsors and sources, in one list.

Each of those is recorded in its own history table (django-simple-history); here they are merged by time,
each entry saying who did what and with which values, and a deleted step keeps a link to its record.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Proposal, ProposalSource, Sponsorship, StatusEvent

ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}
# What a step shows of itself in the history, in this order.
STEP_FIELDS = ["date", "status", "authority", "handling_role", "reply_grade", "reply_url", "verdict", "adopted_in",
               "source", "note", "published"]


@dataclass
class Entry:
    when: object
    who: object
    part: str  # what of the proposal changed: the proposal itself, its timeline, sponsors or sources
    action: str  # added, changed, deleted
    summary: str
    changes: list = field(default_factory=list)  # "field: old → new" lines
    link: str = ""
    revert_url: str = ""
    status_after: str = ""

    @property
    def action_label(self):
        return {"added": _("added"), "changed": _("changed"), "deleted": _("deleted")}[self.action]


def _value(record, name):
    """A field of a history row as editors read it: the display of a choice, the name of a related record."""
    model_field = record.instance_type._meta.get_field(name)
    if model_field.choices:
        return getattr(record, f"get_{name}_display")() if getattr(record, name) else ""
    if model_field.is_relation:
        related_id = getattr(record, model_field.attname)
        if related_id is None:
            return ""
        related = model_field.related_model._default_manager.filter(pk=related_id).first()
        return str(related) if related else f"#{related_id}"
    value = getattr(record, name)
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return "" if value is None else str(value)


def _changes(record, names):
    """"field: before → after" for each of `names` that differs from the row's previous version."""
    previous = record.prev_record
    if previous is None:
        return []
    verbose = {f.name: str(f.verbose_name) for f in record.instance_type._meta.fields}
    lines = []
    for name in names:
        before, after = _value(previous, name), _value(record, name)
        if before != after:
            lines.append(f"{verbose.get(name, name)}: {before or '—'} → {after or '—'}")
    return lines


def proposal_entries(proposal):
    """Every recorded change of the proposal, newest first."""
    entries = []
    own_fields = [f.name for f in Proposal._meta.fields if f.name not in ("id", "updated_at", "created_at")]
    for record in Proposal.history.filter(id=proposal.pk).select_related("history_user"):
        entries.append(Entry(
            when=record.history_date, who=record.history_user, part=_("proposal"),
            action=ACTIONS[record.history_type], summary=record.title_en, changes=_changes(record, own_fields),
            revert_url=reverse("admin:proposals_proposal_simple_history", args=[proposal.pk, record.history_id]),
            status_after=record.get_status_display() if record.status else "",
        ))
    for record in StatusEvent.history.filter(proposal_id=proposal.pk).select_related("history_user"):
        values = [f"{_value(record, name)}" for name in ("authority", "handling_role", "reply_grade", "verdict",
                                                         "adopted_in") if getattr(record, name, None)]
        summary = " · ".join([f"{record.get_status_display()} {record.date.isoformat()}", *values])
        if not record.published:
            summary += f" ({_('draft')})"
        entries.append(Entry(
            when=record.history_date, who=record.history_user, part=_("timeline"),
            action=ACTIONS[record.history_type], summary=summary,
            changes=_changes(record, STEP_FIELDS) if record.history_type == "~" else [],
            link=reverse("admin:proposals_statusevent_history", args=[record.id]),
        ))
    for record in Sponsorship.history.filter(proposal_id=proposal.pk).select_related("history_user"):
        role = _("lead sponsor") if record.is_lead else _("co-sponsor")
        entries.append(Entry(
            when=record.history_date, who=record.history_user, part=_("sponsors"),
            action=ACTIONS[record.history_type], summary=f"{_value(record, 'delegate')} ({role})",
            changes=_changes(record, ["is_lead", "order", "seat_exception"]) if record.history_type == "~" else [],
        ))
    for record in ProposalSource.history.filter(proposal_id=proposal.pk).select_related("history_user"):
        entries.append(Entry(
            when=record.history_date, who=record.history_user, part=_("sources"),
            action=ACTIONS[record.history_type], summary=_value(record, "source"),
        ))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
