"""The digest run: note newly overdue replies, then mail each follower what changed in what they follow.

Run by `manage.py send_digests` (cron or a systemd timer, see docs/follow.md). Each digest covers the changes
after its subscriptions' watermarks. It is sent and recorded one subscriber at a time: the Sent rows (one
per subscriber and change) and the new watermarks are committed right after the SMTP server accepted the
message, so a run that is killed and started again sends nothing twice; only a message accepted in the very
instant before the process died could go out again. On PostgreSQL the subscriber's row stays locked while
its digest is built and sent, so two runs at once share the work instead of doubling it.
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


@dataclasses.dataclass
class Report:
    digests: int = 0
    changes: int = 0
    overdue: int = 0
    subscribers: int = 0

    def __str__(self):
        return (f"{self.digests} digests sent to the {self.subscribers} subscribers due, covering {self.changes} "
                f"changes; {self.overdue} replies newly overdue")


def run(now=None, *, connection=None, settle=None):
    """Send every digest that is due; returns a Report."""
    now = now or timezone.now()
    report = Report()
    subscriptions.forget_unconfirmed(now)
    overdue = note_overdue(timezone.localdate(now))
    report.overdue = len(overdue)
    hand_to_webhooks(overdue)

    settle = SETTLE if settle is None else settle
    horizon = Change.objects.filter(created_at__lte=now - settle).aggregate(last=Max("pk"))["last"] or 0
    due = Subscription.objects.due(now).filter(watermark__lt=horizon)
    low = due.aggregate(low=Min("watermark"))["low"]
    if low is None:
        return report
    searches = dict(due.filter(kind=Subscription.Kind.SEARCH).values_list("query", "filters").distinct())
    index = ChangeIndex(visible_changes(low, horizon), searches)
    described = {query: describe_search(filters) for query, filters in searches.items()}
    links = {}
    mail = connection or get_connection()
    subscriber_ids = list(due.order_by("subscriber_id").values_list("subscriber_id", flat=True).distinct())
    report.subscribers = len(subscriber_ids)
    with mail:
        for start in range(0, len(subscriber_ids), BATCH):
            batch = subscriber_ids[start:start + BATCH]
            grouped = defaultdict(list)
            rows = due.filter(subscriber_id__in=batch).select_related(
                "subscriber", "proposal", "theme", "delegate", "company", "authority").order_by("subscriber_id", "pk")
            for subscription in rows:
                grouped[subscription.subscriber].append(subscription)
            quiet = []  # subscriptions with nothing new: their watermarks move on in one UPDATE per batch
            for subscriber, followed in grouped.items():
                pending = {subscription.pk: index.for_subscription(subscription) for subscription in followed}
                if not any(pending.values()):
                    quiet.extend(subscription.pk for subscription in followed)
                    continue
                sent = _send_one(subscriber, followed, pending, horizon, now, mail, described, links)
                if sent:
                    report.digests += 1
                    report.changes += sent
            Subscription.objects.filter(pk__in=quiet).update(watermark=horizon)
    return report


def _send_one(subscriber, followed, pending, horizon, now, mail, described, links):
    """Send one subscriber's digest of the `pending` changes of each subscription (by id); returns how many
    changes it covered (0: none left once those already sent are set aside)."""
    with transaction.atomic():
        if not Subscriber.objects.select_for_update(skip_locked=True).filter(pk=subscriber.pk).exists():
            return 0  # another run is sending it, or it stopped following since this run began
        candidates = {change.pk for changes in pending.values() for change in changes}
        already = set(Sent.objects.filter(subscriber=subscriber, change_id__in=candidates)
                      .values_list("change_id", flat=True))
        sections, covered = [], []
        with translation.override(subscriber.language):
            for subscription in followed:
                fresh = [change for change in pending[subscription.pk] if change.pk not in already]
                already.update(change.pk for change in fresh)
                if fresh:
                    covered.extend(fresh)
                    sections.append(_section(subscription, fresh, described, links))
        if sections:
            message = emails.digest(subscriber, sections, sum(section.count for section in sections))
            message.connection = mail
            message.send()
            Sent.objects.bulk_create([Sent(subscriber=subscriber, change=change, sent_at=now) for change in covered])
            Subscription.objects.filter(pk__in=[section.subscription.pk for section in sections]).update(
                last_sent_at=now)
        # Nothing up to the horizon is left for these subscriptions, sent or not.
        Subscription.objects.filter(pk__in=[subscription.pk for subscription in followed]).update(watermark=horizon)
    return len(covered)


def _section(subscription, changes, described, links):
    """A subscription's part of a digest: one item per piece of news, the first few listed with their links.

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
    items = []
    for change in shown[:ITEMS_PER_SECTION]:
        if change.pk not in links:
            target = change.event if change.event_id else change.proposal
            links[change.pk] = emails.absolute(target.get_absolute_url())
        items.append((change, links[change.pk]))
    return emails.Section(
        subscription=subscription, what=what(subscription, described), items=items, count=len(shown),
        more=max(0, len(shown) - ITEMS_PER_SECTION), more_url=emails.followed_page(subscription),
        stop_url=emails.link("stop", tokens.STOP, subscription),
    )
