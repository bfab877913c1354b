"""The digest run: note newly overdue replies, alert their followers, and mail each follower whose digest is due
what changed in what they follow.

Run by `manage.py send_digests` every few minutes (cron or a systemd timer, see docs/follow.md): immediate
digests go on every run, daily and weekly ones at their slot (models.digest_slots). A reply becoming overdue is
an alert of its own, sent on the first run that notes it whatever the subscription's frequency. Each message
covers the changes after its subscriptions' watermarks, each change once however many of them it matches.
Every message is sent and recorded on its own: the Sent rows (one per subscriber and change) and the new
watermarks are committed right after the SMTP server accepted it, so a run killed and started again sends
nothing twice; only a message accepted in the very instant before the process died could go out again. On
PostgreSQL the subscriber's row stays locked while its mail is built and sent, so two runs at once share the
work instead of doubling it.
"""

import dataclasses
import datetime
import logging
from collections import defaultdict

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone, translation

from . import emails, subscriptions, tokens
from .changes import hand_to_webhooks, note_overdue
from .matching import ChangeIndex, visible_changes
from .models import Change, Sent, Subscriber, Subscription
from .wording import describe_search, what

logger = logging.getLogger(__name__)

# Changes listed per subscription; the rest are counted, with a link to the page that shows them.
ITEMS_PER_SECTION = 25
# Subscribers read and sent per round: bounds the memory of a run with a million followers.
BATCH = 500
# A change is sent once it is this old, so that a slower transaction writing an earlier id has committed.
SETTLE = datetime.timedelta(seconds=30)
OVERDUE = Change.Kind.OVERDUE


@dataclasses.dataclass
class Report:
    digests: int = 0
    alerts: int = 0
    changes: int = 0
    overdue: int = 0
    subscribers: int = 0

    def __str__(self):
        return (f"{self.digests} digests and {self.alerts} overdue alerts sent to the {self.subscribers} subscribers "
                f"concerned, covering {self.changes} changes; {self.overdue} replies newly overdue")


@dataclasses.dataclass
class _Run:
    """What one run shares between its subscribers: the changes' index, words and links worked out once."""

    index: ChangeIndex
    horizon: int
    now: datetime.datetime
    mail: object
    described: dict
    lines: dict = dataclasses.field(default_factory=dict)  # (change id, language) → (its line, its link)


def run(now=None, *, connection=None, settle=None, everyone=False):
    """Send every overdue alert and every digest that is due (with `everyone`, every digest with news, whatever
    its schedule); returns a Report."""
    now = now or timezone.now()
    report = Report()
    subscriptions.forget_unconfirmed(now)
    overdue = note_overdue(timezone.localdate(now))
    report.overdue = len(overdue)
    hand_to_webhooks(overdue)

    settle = SETTLE if settle is None else settle
    horizon = Change.objects.filter(created_at__lte=now - settle).aggregate(last=Max("pk"))["last"] or 0
    waiting = Subscription.objects.confirmed().filter(watermark__lt=horizon)
    due = set((waiting if everyone else Subscription.objects.due(now).filter(watermark__lt=horizon))
              .values_list("pk", flat=True))
    # Digests read every kind of change after the due subscriptions' watermarks; alerts, the overdue ones after
    # every subscription's.
    low_due = waiting.filter(pk__in=due).aggregate(low=Min("watermark"))["low"]
    low_all = waiting.aggregate(low=Min("watermark"))["low"]
    if low_all is None:
        return report
    changes = visible_changes(low_all, horizon, kinds=[OVERDUE])
    if low_due is not None:
        changes = sorted({change.pk: change for change in [*changes, *visible_changes(low_due, horizon)]}.values(),
                         key=lambda change: change.pk)
    searches = dict(waiting.filter(kind=Subscription.Kind.SEARCH).values_list("query", "filters").distinct())
    shared = _Run(ChangeIndex(changes, searches), horizon, now, connection or get_connection(),
                  {query: describe_search(filters) for query, filters in searches.items()})
    subscriber_ids = list(waiting.order_by("subscriber_id").values_list("subscriber_id", flat=True).distinct())
    with shared.mail:
        for start in range(0, len(subscriber_ids), BATCH):
            grouped = defaultdict(list)
            rows = waiting.filter(subscriber_id__in=subscriber_ids[start:start + BATCH]).select_related(
                "subscriber", "proposal", "theme", "delegate", "company", "authority").order_by("subscriber_id", "pk")
            for subscription in rows:
                grouped[subscription.subscriber].append(subscription)
            quiet = []  # due subscriptions with nothing new: their watermarks move on in one UPDATE per batch
            for subscriber, followed in grouped.items():
                pending = {subscription.pk: [
                    change for change in shared.index.for_subscription(subscription)
                    if subscription.pk in due or change.kind == OVERDUE
                ] for subscription in followed}
                if not any(pending.values()):
                    quiet.extend(subscription.pk for subscription in followed if subscription.pk in due)
                    continue
                report.subscribers += 1
                alerts = {pk: [change for change in found if change.kind == OVERDUE] for pk, found in pending.items()}
                news = {pk: [change for change in found if change.kind != OVERDUE] for pk, found in pending.items()}
                if any(alerts.values()):
                    sent = _send(subscriber, followed, alerts, shared, alert=True)
                    report.alerts += bool(sent)
                    report.changes += sent
                digested = [subscription for subscription in followed if subscription.pk in due]
                if any(news.values()):
                    sent = _send(subscriber, digested, news, shared, alert=False)
                    report.digests += bool(sent)
                    report.changes += sent
                else:
                    quiet.extend(subscription.pk for subscription in digested)
            Subscription.objects.filter(pk__in=quiet).update(watermark=horizon)
    return report


def _send(subscriber, followed, pending, shared, *, alert):
    """Send one message (an overdue alert, or the digest of the `followed` due subscriptions) of the `pending`
    changes of each subscription, by id; returns how many changes it covered (0: it had none to send)."""
    with transaction.atomic():
        if not Subscriber.objects.select_for_update(skip_locked=True).filter(pk=subscriber.pk).exists():
            return 0  # another run is sending it, or it stopped following since this run began
        candidates = {change.pk for subscription in followed for change in pending.get(subscription.pk, ())}
        already = set(Sent.objects.filter(subscriber=subscriber, change_id__in=candidates)
                      .values_list("change_id", flat=True)) if candidates else set()
        sections, covered = [], []
        with translation.override(subscriber.language):
            for subscription in followed:
                fresh = [change for change in pending.get(subscription.pk, ()) if change.pk not in already]
                already.update(change.pk for change in fresh)
                if fresh:
                    covered.extend(fresh)
                    sections.append(_section(subscription, fresh, shared))
        if sections:
            count = sum(section.count for section in sections)
            message = (emails.alert if alert else emails.digest)(subscriber, sections, count)
            message.connection = shared.mail
            message.send()
            Sent.objects.bulk_create([Sent(subscriber=subscriber, change=change, sent_at=shared.now)
                                      for change in covered])
        if not alert:
            if sections:
                Subscription.objects.filter(pk__in=[section.subscription.pk for section in sections]).update(
                    last_sent_at=shared.now)
            # Nothing up to the horizon is left for these subscriptions, sent or not.
            Subscription.objects.filter(pk__in=[subscription.pk for subscription in followed]).update(
                watermark=shared.horizon)
    return len(covered)


def _section(subscription, changes, shared):
    """A subscription's part of a message: one item per piece of news, the first few listed with their links.

    A proposal published since the last digest is one item, shown as it stands now, whatever steps it took
    meanwhile; so is a step both recorded and corrected since then.
    """
    published = {change.proposal_id for change in changes if change.kind == Change.Kind.PUBLISHED}
    shown, seen_steps = [], set()
    for change in changes:
        if change.kind in (Change.Kind.STEP, Change.Kind.CORRECTION):
            if change.proposal_id in published or change.event_id in seen_steps:
                continue
            seen_steps.add(change.event_id)
        shown.append(change)
    language = translation.get_language()
    items = []
    for change in shown[:ITEMS_PER_SECTION]:
        # Each change reads the same in every message of one language: written once per run and language.
        key = (change.pk, language)
        if key not in shared.lines:
            target = change.event if change.event_id else change.proposal
            shared.lines[key] = (emails.change_line(change), emails.absolute(target.get_absolute_url()))
        items.append(shared.lines[key])
    return emails.Section(
        subscription=subscription, what=what(subscription, shared.described), items=items, count=len(shown),
        first=shown[0],
        more=max(0, len(shown) - ITEMS_PER_SECTION), more_url=emails.followed_page(subscription),
        stop_url=emails.link("stop", tokens.STOP, subscription),
    )
