"""What left the public view, for clients' mirrors: the rows of the deletions feed (`Deletion`).

A deletion is read off the edit history: every '-' record simple-history writes for a resource the API
shows becomes a row, if readers could see the record. Taking a proposal or a step back to draft removes it
from readers' view the same way and gets a row too; publishing it again takes the row away (and moves the
record's `updated_at`, so an incremental sync brings it back). So the feed lists what is gone now.
"""

import datetime

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from simple_history.signals import post_create_historical_record

from .models import Deletion, Proposal, StatusEvent

# Model label -> the API's resource name, which is the feed's `type`.
TYPES = {
    "proposals.Proposal": "proposal", "proposals.StatusEvent": "statusevent", "proposals.Session": "session",
    "proposals.Body": "body", "proposals.Theme": "theme", "proposals.Authority": "authority",
    "proposals.Source": "source", "people.Delegate": "delegate", "people.Company": "company",
}
# Rows of records shown inside a delegate's or company's representation: a change to one is a change of those.
PARTS = {"people.Membership": ("delegate",), "people.Affiliation": ("delegate", "company"),
         "people.CompanyEvent": ("company",)}


def kept_days():
    """How long the feed keeps a row: API_DELETIONS_DAYS, never less than 90 days."""
    return max(90, getattr(settings, "API_DELETIONS_DAYS", 90))


def _was_public(type_, instance):
    if type_ == "proposal":
        return instance.published
    if type_ == "statusevent":
        return instance.published and Proposal.objects.filter(pk=instance.proposal_id, published=True).exists()
    return True


def _on_history_record(sender, instance, history_instance, **kwargs):
    type_ = TYPES.get(instance._meta.label)
    if history_instance.history_type != "-" or type_ is None or not _was_public(type_, instance):
        return
    Deletion.objects.create(type=type_, object_id=instance.pk, slug=getattr(instance, "slug", "") or "",
                            deleted_at=history_instance.history_date)


def _touch_owners(sender, instance, **kwargs):
    """A membership, position or company event changed: its delegate's or company's representation did."""
    now = timezone.now()
    for name in PARTS.get(sender._meta.label, ()):
        owner_model = instance._meta.get_field(name).related_model
        owner_model.objects.filter(pk=getattr(instance, f"{name}_id")).update(updated_at=now)


def connect_signals():
    post_create_historical_record.connect(_on_history_record, dispatch_uid="deletions-from-history")
    post_save.connect(_touch_owners, dispatch_uid="deletions-touch-owners-save")
    post_delete.connect(_touch_owners, dispatch_uid="deletions-touch-owners-delete")


def _unpublished(type_, ids, now):
    Deletion.objects.bulk_create(
        [Deletion(type=type_, object_id=pk, reason=Deletion.Reason.UNPUBLISHED, deleted_at=now) for pk in ids])


def _republished(type_, ids):
    Deletion.objects.filter(type=type_, object_id__in=list(ids), reason=Deletion.Reason.UNPUBLISHED).delete()


def proposal_unpublished(proposal):
    """The proposal and its published steps leave readers' view."""
    now = timezone.now()
    _unpublished("proposal", [proposal.pk], now)
    _unpublished("statusevent", proposal.status_events.filter(published=True).values_list("pk", flat=True), now)


def proposal_published(proposal):
    """The proposal and its published steps are back; the steps' `updated_at` moves so event mirrors fetch them."""
    events = proposal.status_events.filter(published=True)
    _republished("proposal", [proposal.pk])
    _republished("statusevent", events.values_list("pk", flat=True))
    events.update(updated_at=timezone.now())


def steps_published_state(events):
    """{event id: published} as stored, before a timeline change is applied."""
    ids = [event.pk for event in events if event.pk]
    return dict(StatusEvent.objects.filter(pk__in=ids).values_list("pk", "published"))


def steps_changed(proposal, events, stored):
    """Steps of a published proposal that were taken back to draft, or published again, by a timeline change."""
    if not proposal.published:
        return
    now = timezone.now()
    _unpublished("statusevent", [e.pk for e in events if stored.get(e.pk) is True and not e.published], now)
    _republished("statusevent", [e.pk for e in events if stored.get(e.pk) is False and e.published])


def prune(now=None):
    """Forget rows older than the kept days; returns how many went."""
    horizon = (now or timezone.now()) - datetime.timedelta(days=kept_days())
    return Deletion.objects.filter(deleted_at__lt=horizon).delete()[0]
