"""The changes followers hear of, noted in the transaction of the save that makes them.

The proposals app writes timelines (services.save_timeline) and publishes proposals (services.publish) without
knowing anyone follows them; this module listens to their post_save signals. A change is a row written next
to the save, so it exists exactly when the save commits, and is handed to the webhooks only on commit: an
editor's save enqueues, it never waits on a client's receiver. Readers never see drafts, so neither do
followers: a step counts once both it and its proposal are published.
"""

import datetime
import hashlib
import logging

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from proposals.models import Proposal, StatusEvent

from .models import AnnouncedStep, Change, Mark, WebhookEndpoint
from .webhooks import deliver_changes, deliver_removal, removal_payload

logger = logging.getLogger(__name__)

# What readers see of a step. A save that changes none of these (a note reworded, a source swapped for a better
# copy of the same report) is not news; one that changes any of them is a correction followers are told of.
NOTICED_FIELDS = ("date", "status", "authority_id", "handling_role", "reply_grade", "reply_url", "verdict",
                  "adopted_in")


def fingerprint(event):
    return hashlib.sha256(repr(tuple(getattr(event, name) for name in NOTICED_FIELDS)).encode()).hexdigest()


def _on_event_saved(sender, instance, raw=False, **kwargs):
    if raw or not instance.published:
        return
    if not Proposal.objects.filter(pk=instance.proposal_id, published=True).exists():
        return  # a step of a draft: its publication will be the news
    seen = fingerprint(instance)
    told = AnnouncedStep.objects.filter(event_id=instance.pk).values_list("fingerprint", flat=True).first()
    if told == seen:
        return
    # save_timeline locks the proposal's row, so two saves of one step never race here.
    if told is None:
        AnnouncedStep.objects.create(event_id=instance.pk, fingerprint=seen)
    else:
        AnnouncedStep.objects.filter(event_id=instance.pk).update(fingerprint=seen)
    kind = Change.Kind.STEP if told is None else Change.Kind.CORRECTION
    _noted(Change.objects.create(kind=kind, proposal_id=instance.proposal_id, event_id=instance.pk))


def _on_proposal_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and "published" not in update_fields):
        return
    if not instance.published:
        if update_fields is not None:  # services.unpublish: readers no longer see it, and clients should know
            _removed(instance, "unpublished")
        return
    if Change.objects.filter(kind=Change.Kind.PUBLISHED, proposal_id=instance.pk).exists():
        return  # published before (and perhaps unpublished since): followers heard of it then
    # The steps it shows from now on are part of this news, not news of their own.
    told = set(AnnouncedStep.objects.filter(event__proposal_id=instance.pk).values_list("event_id", flat=True))
    AnnouncedStep.objects.bulk_create([
        AnnouncedStep(event_id=event.pk, fingerprint=fingerprint(event))
        for event in StatusEvent.objects.filter(proposal_id=instance.pk, published=True) if event.pk not in told
    ])
    try:
        with transaction.atomic():  # a savepoint: a second publisher racing this one must not undo the save
            change = Change.objects.create(kind=Change.Kind.PUBLISHED, proposal_id=instance.pk)
    except IntegrityError:
        return
    _noted(change)


def _on_proposal_deleted(sender, instance, **kwargs):
    if instance.published:
        _removed(instance, "deleted")


def _removed(proposal, how):
    payload = removal_payload(proposal, how)
    transaction.on_commit(lambda: _enqueue(deliver_removal, payload))


def _noted(change):
    transaction.on_commit(lambda: hand_to_webhooks([change.pk]))


def hand_to_webhooks(change_ids):
    """Enqueue the webhook fan-out of these changes, if any client is approved to receive them."""
    if change_ids:
        _enqueue(deliver_changes, change_ids)


def _enqueue(task, argument):
    if not WebhookEndpoint.objects.filter(approved=True).exists():
        return
    try:
        task.enqueue(argument)
    except Exception:
        # The save is committed; a queue that cannot take the task must not turn it into an error page.
        logger.exception("Could not enqueue %s(%r)", task.module_path, argument)


OVERDUE_MARK = "overdue"


def note_overdue(today=None):
    """Note each reply that became overdue since the last scan (on its first run: since yesterday).

    A reply due on day D is overdue from D + 1 on, so a scan on day T finds the debts due before T that the
    scan of an earlier day P did not: those due on P or later. Returns the new changes' ids.
    """
    today = today or timezone.localdate()
    mark = Mark.objects.filter(name=OVERDUE_MARK).first()
    since = mark.day if mark else today - datetime.timedelta(days=1)
    late = StatusEvent.objects.published().overdue(today).filter(reply_due_on__gte=since)
    rows = list(late.values_list("pk", "proposal_id", "reply_due_on"))
    known = set(Change.objects.filter(kind=Change.Kind.OVERDUE, event_id__in=[pk for pk, *_ in rows])
                .values_list("event_id", "due_on"))
    created = Change.objects.bulk_create([
        Change(kind=Change.Kind.OVERDUE, event_id=pk, proposal_id=proposal_id, due_on=due)
        for pk, proposal_id, due in rows if (pk, due) not in known
    ])
    Mark.objects.update_or_create(name=OVERDUE_MARK, defaults={"day": today})
    return [change.pk for change in created]


def connect_signals():
    post_save.connect(_on_event_saved, sender=StatusEvent, dispatch_uid="follow-event-saved")
    post_save.connect(_on_proposal_saved, sender=Proposal, dispatch_uid="follow-proposal-saved")
    post_delete.connect(_on_proposal_deleted, sender=Proposal, dispatch_uid="follow-proposal-deleted")
