"""Writes to a proposal's timeline. Every entry path (admin, bulk action, API, loaders) goes through here."""

from django.core.exceptions import ValidationError
from django.db import transaction

from . import lifecycle
from .models import Proposal, StatusEvent


def check_timeline_change(proposal, *, add=(), change=(), delete=()):
    """Raise the ValidationError that applying this change to the proposal's timeline would meet.

    Writes nothing, so a form or a delete page can refuse with the lifecycle's own words first.
    `proposal` may be unsaved (the admin's add form): then only the added events make its timeline.
    """
    field_errors = {}
    for event in [*change, *add]:
        for field, message in lifecycle.check_event_fields(event).items():
            field_errors.setdefault(field, []).append(message)
    if field_errors:
        raise ValidationError(field_errors)

    timeline = {event.pk: event for event in proposal.status_events.all()} if proposal.pk else {}
    for event in delete:
        timeline.pop(event.pk, None)
    for event in change:
        timeline[event.pk] = event
    for position, event in enumerate(add):
        event._entry_order = position
    session = proposal.session if proposal.session_id else None
    lifecycle.check_timeline(session, [*timeline.values(), *add])


@transaction.atomic
def save_timeline(proposal, *, add=(), change=(), delete=()):
    """Apply added, changed and deleted events to a proposal's timeline as one checked change.

    The timeline that would result is checked as a whole before anything is written, so an edit or a
    deletion that leaves an impossible sequence (a reply whose referral is gone) is refused too. The
    proposal row is locked so two editors' changes to one timeline are checked one after the other.
    Returns the proposal with its current status refreshed.
    """
    proposal = Proposal.objects.select_for_update().select_related("session").get(pk=proposal.pk)
    for event in add:
        event.proposal = proposal
    check_timeline_change(proposal, add=add, change=change, delete=delete)

    for event in delete:
        event.delete()
    for event in [*change, *add]:
        event.save()
    proposal.refresh_status()
    return proposal


def record_status(proposal, *, date, status, source, note="", **details):
    """Add one status event to a proposal's timeline; `details` are the event's optional fields."""
    event = StatusEvent(date=date, status=status, source=source, note=note, **details)
    save_timeline(proposal, add=[event])
    return event


def change_status_event(event, **changes):
    for field, value in changes.items():
        setattr(event, field, value)
    save_timeline(event.proposal, change=[event])
    return event


def delete_status_event(event):
    save_timeline(event.proposal, delete=[event])


def record_status_for_many(proposals, **event_fields):
    """Record the same status change on several proposals, all or none.

    Returns the list of (proposal, error) pairs that were refused; nothing is written if there is any.
    """
    refused = []
    with transaction.atomic():
        for proposal in proposals:
            try:
                with transaction.atomic():
                    record_status(proposal, **event_fields)
            except ValidationError as error:
                refused.append((proposal, error))
        if refused:
            transaction.set_rollback(True)
    return refused
