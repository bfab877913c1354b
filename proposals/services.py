"""Writes that touch a proposal's timeline or sponsors. Every entry path (admin, bulk action, API, CSV import,
loaders) goes through here, so each rule is checked and each fact written in one place.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deletions, lifecycle
from .models import Proposal, Sponsorship, StatusEvent

# Recording a step is adding a status event: the Editors group has this permission, readers do not.
RECORD_STATUS_PERMISSION = "proposals.add_statusevent"


def can_record_status(user):
    """Whether `user` may record a status change on proposals (admin bulk action, API, record-a-step form)."""
    return bool(user and user.is_authenticated and user.has_perm(RECORD_STATUS_PERMISSION))


def can_see_drafts(user):
    """Editors (whoever may view proposals in the admin) see drafts; readers never do."""
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("proposals.view_proposal"))


def timeline_change_refusals(proposal, *, add=(), change=(), delete=()):
    """The lifecycle's Refusals of the timeline this change would leave, after each event's own field errors.

    Raises ValidationError (keyed by field) when an added or changed event's own fields are wrong, since the
    timeline cannot be judged from half-built events. Writes nothing. `proposal` may be unsaved (the
    admin's add form): then only the added events make its timeline.
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
    events = [*timeline.values(), *add]
    refusals = lifecycle.timeline_refusals(session, events)
    if not refusals:
        # Readers see only the published steps: they must make a possible timeline on their own too.
        published = [event for event in events if event.published]
        for refusal in lifecycle.timeline_refusals(session, published):
            refusal.message = _("Among the published steps: %(reason)s") % {"reason": refusal.message}
            refusals.append(refusal)
    return refusals


def check_timeline_change(proposal, *, add=(), change=(), delete=()):
    """Raise the ValidationError that applying this change to the proposal's timeline would meet."""
    refusals = timeline_change_refusals(proposal, add=add, change=change, delete=delete)
    if refusals:
        raise ValidationError([refusal.as_error() for refusal in refusals])


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
    stored = deletions.steps_published_state(change)

    for event in delete:
        event.delete()
    for event in [*change, *add]:
        event.save()
    proposal.refresh_status()
    deletions.steps_changed(proposal, change, stored)
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


def unseated_sponsors(session, delegates):
    """The delegates who held no seat in the session's body and term when it opened."""
    from people.models import Membership

    seated = set(Membership.objects.seated_at(session).filter(delegate__in=delegates).values_list("delegate_id",
                                                                                                   flat=True))
    return [person for person in delegates if person.pk not in seated]


@transaction.atomic
def set_sponsors(proposal, delegates, *, lead=None, seat_exceptions=None):
    """Make `delegates`, in this order, the proposal's sponsors, with `lead` (the first by default) leading (领衔).

    A sponsor sits in the body of the proposal's session at that session; one who does not (as far as the
    tracker knows) is refused unless `seat_exceptions` gives, for that delegate's pk, the editor's reason,
    which is kept on the sponsorship. Only what changes is written. The database allows one lead sponsor at
    a time, so a lead who steps down is saved before the new lead is.
    """
    delegates = list(delegates)
    seat_exceptions = {pk: note.strip() for pk, note in (seat_exceptions or {}).items() if note and note.strip()}
    if len({person.pk for person in delegates}) != len(delegates):
        raise ValidationError({"sponsors": _("A delegate sponsors a proposal once.")}, code="duplicate_sponsor")
    if lead is None and delegates:
        lead = delegates[0]
    if lead is not None and lead.pk not in {person.pk for person in delegates}:
        raise ValidationError({"sponsors": _("The lead sponsor must be one of the sponsors.")}, code="lead_sponsor")
    unseated = [person for person in unseated_sponsors(proposal.session, delegates) if person.pk not in seat_exceptions]
    if unseated:
        raise ValidationError({"sponsors": [ValidationError(
            _("%(delegate)s held no seat in %(body)s in its %(term)sth term when %(session)s opened; add the seat "
              "to the delegate, or give the reason as a seat exception."),
            code="unseated_sponsor",
            params={"delegate": person, "body": proposal.session.body, "term": proposal.session.term,
                    "session": proposal.session},
        ) for person in unseated]})
    wanted = {person.pk: (person.pk == lead.pk, order, seat_exceptions.get(person.pk, ""))
              for order, person in enumerate(delegates)}
    current = {sponsorship.delegate_id: sponsorship for sponsorship in proposal.sponsorships.select_for_update()}
    for delegate_id, sponsorship in current.items():
        if delegate_id not in wanted:
            sponsorship.delete()
    changed = [(sponsorship, *wanted[delegate_id]) for delegate_id, sponsorship in current.items()
               if delegate_id in wanted
               and (sponsorship.is_lead, sponsorship.order, sponsorship.seat_exception) != wanted[delegate_id]]
    for sponsorship, is_lead, order, note in sorted(changed, key=lambda change: change[1]):  # who steps down first
        sponsorship.is_lead, sponsorship.order, sponsorship.seat_exception = is_lead, order, note
        sponsorship.save(update_fields=["is_lead", "order", "seat_exception"])
    for person in delegates:
        if person.pk not in current:
            is_lead, order, note = wanted[person.pk]
            Sponsorship.objects.create(proposal=proposal, delegate=person, is_lead=is_lead, order=order,
                                       seat_exception=note)


def publish(proposal):
    """Show a draft proposal to readers. The history row of this save records who published it, and when."""
    if not proposal.published:
        proposal.published, proposal.published_at = True, timezone.now()
        proposal.save(update_fields=["published", "published_at", "updated_at"])
        deletions.proposal_published(proposal)
    return proposal


def unpublish(proposal):
    """Take a proposal back to draft: readers, feeds and the public API no longer see it."""
    if proposal.published:
        proposal.published = False
        proposal.save(update_fields=["published", "updated_at"])
        deletions.proposal_unpublished(proposal)
    return proposal
