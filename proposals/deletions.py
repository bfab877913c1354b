"""What clients' mirrors need of the domain: the deletions feed's rows, and `updated_at` moved on a record
whenever what the API shows of it changes, though the record itself was not saved.

A deletion is read off the edit history: every '-' record simple-history writes for a resource the API
shows becomes a row, if readers could see the record. Taking a proposal or a step back to draft removes it
from readers' view the same way and gets a row too; publishing it again takes the row away (and moves the
record's `updated_at`, so an incremental sync brings it back). So the feed lists what is gone now.

A record shows others by link (a proposal its themes' slugs) or in full (a delegate its seats): when one of
those changes its slug, changes, or goes, the records showing it move on too (`SHOWN_BY`, `PARTS`), so an
`updated_since` walk brings them again.
"""

import datetime

from django.conf import settings
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
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


# Who shows a record's slug (in a link) or the record itself: a change of the slug, or the record's deletion,
# changes their representation too. (model label -> [(label of the model showing it, lookup to the record)])
SHOWN_BY = {
    "proposals.Theme": [("proposals.Proposal", "themes"), ("proposals.Theme", "parent")],
    "proposals.Session": [("proposals.Proposal", "session")],
    "proposals.Body": [("proposals.Session", "body"), ("people.Delegate", "memberships__body")],
    "proposals.Authority": [("proposals.StatusEvent", "authority"), ("proposals.StatusEvent", "reply_owed_by")],
    "people.Delegate": [("proposals.Proposal", "sponsors"), ("people.Company", "affiliations__delegate")],
    "people.Company": [("people.Delegate", "affiliations__company")],
    "proposals.Proposal": [("proposals.Proposal", "related")],
}


SLUG_SHOWN = set(SHOWN_BY) - {"proposals.Proposal"}


def _touch_showing(instance):
    from django.apps import apps

    now = timezone.now()
    for label, lookup in SHOWN_BY.get(instance._meta.label, ()):
        model = apps.get_model(label)
        showing = model._default_manager.filter(**{lookup: instance.pk})
        if model is type(instance):
            showing = showing.exclude(pk=instance.pk)  # a theme under itself, a proposal related to itself
        ids = showing.values("pk")
        model._default_manager.filter(pk__in=ids).update(updated_at=now)


def _on_slug_change(sender, instance, raw=False, **kwargs):
    # Proposals are shown by id: their slug is in no link.
    if raw or instance.pk is None or sender._meta.label not in SLUG_SHOWN:
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if stored is not None and stored != instance.slug:
        _touch_showing(instance)


def _on_delete(sender, instance, **kwargs):
    """Before a theme, proposal… goes, the records whose representation lists it move on (links go with it)."""
    if sender._meta.label in SHOWN_BY:
        _touch_showing(instance)


def _on_related_change(sender, instance, action, pk_set, **kwargs):
    """Related proposals are linked both ways: the other side's `related` changed too."""
    if action in ("post_add", "post_remove") and pk_set:
        Proposal.objects.filter(pk__in=pk_set).update(updated_at=timezone.now())
    elif action == "pre_clear":
        Proposal.objects.filter(related=instance).update(updated_at=timezone.now())


def connect_signals():
    post_create_historical_record.connect(_on_history_record, dispatch_uid="deletions-from-history")
    post_save.connect(_touch_owners, dispatch_uid="deletions-touch-owners-save")
    post_delete.connect(_touch_owners, dispatch_uid="deletions-touch-owners-delete")
    pre_save.connect(_on_slug_change, dispatch_uid="deletions-slug-change")
    pre_delete.connect(_on_delete, dispatch_uid="deletions-touch-showing")
    m2m_changed.connect(_on_related_change, sender=Proposal.related.through, dispatch_uid="deletions-related")


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


def latest_change(model, type_):
    """The latest `updated_at` of `model`'s table or deletion of its type: one query, two index look-ups.

    Two scalar subqueries, so that each is answered from its index's end ((updated_at, id) and (type,
    deleted_at)); an aggregate mixing both would make PostgreSQL read the whole table.
    """
    sql = (f"SELECT (SELECT MAX(updated_at) FROM {connection.ops.quote_name(model._meta.db_table)}), "
           f"(SELECT MAX(deleted_at) FROM {connection.ops.quote_name(Deletion._meta.db_table)} WHERE type = %s)")
    field = model._meta.get_field("updated_at")
    with connection.cursor() as cursor:
        cursor.execute(sql, [type_])
        found = cursor.fetchone()
    moments = [field.to_python(value) if isinstance(value, str) else value for value in found]
    moments = [timezone.make_aware(moment, datetime.UTC) if moment is not None and timezone.is_naive(moment)
               else moment for moment in moments]
    return max((moment for moment in moments if moment is not None), default=None)


def prune(now=None):
    """Forget rows older than the kept days; returns how many went."""
    horizon = (now or timezone.now()) - datetime.timedelta(days=kept_days())
    return Deletion.objects.filter(deleted_at__lt=horizon).delete()[0]
