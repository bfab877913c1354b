"""Following by email without an account: sign up, confirm by a link in mail, stop with one click.

The one place subscriptions are written. An address is stored only while it follows something: stopping the
last subscription deletes it, and a sign-up not confirmed in time is forgotten by the next digest run.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Change, Frequency, Subscriber, Subscription


def normalized_email(address):
    """One form per address: the domain is case-insensitive, and so in practice is every mailbox we send to."""
    return address.strip().lower()


@transaction.atomic
def sign_up(*, email, language, kind, target=None, query="", filters=None, frequency=Frequency.DAILY):
    """A subscription waiting for its confirmation (or the one already confirmed for the same thing)."""
    subscriber, _ = Subscriber.objects.get_or_create(email=normalized_email(email), defaults={"language": language})
    what = {"query": query} if kind == Subscription.Kind.SEARCH else {kind: target}
    subscription, created = Subscription.objects.get_or_create(
        subscriber=subscriber, kind=kind, **what, defaults={"frequency": frequency, "filters": filters or {}},
    )
    if not created and subscription.confirmed_at is None:
        # Asked again: the new link gets the full time to be used, with the latest choice of frequency.
        subscription.frequency, subscription.created_at = frequency, timezone.now()
        subscription.save(update_fields=["frequency", "created_at"])
    return subscription


def current_watermark():
    return Change.objects.aggregate(last=Max("pk"))["last"] or 0


def confirm(subscription):
    """Start the digests of a subscription with the changes that come after this moment."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at, subscription.watermark = timezone.now(), current_watermark()
        subscription.save(update_fields=["confirmed_at", "watermark"])
    return subscription


@transaction.atomic
def stop(subscription):
    """Stop one subscription; the address goes with its last one."""
    subscriber = subscription.subscriber
    subscription.delete()
    if not subscriber.subscriptions.exists():
        subscriber.delete()


def stop_all(subscriber):
    """Stop everything an address follows, and forget the address."""
    subscriber.delete()


def change_frequency(subscription, frequency):
    subscription.frequency = frequency
    subscription.save(update_fields=["frequency"])


def forget_unconfirmed(now=None):
    """Delete sign-ups whose confirmation link has expired, and addresses left following nothing."""
    now = now or timezone.now()
    Subscription.objects.unconfirmed_since(now - datetime.timedelta(days=settings.FOLLOW_CONFIRM_DAYS)).delete()
    Subscriber.objects.filter(subscriptions__isnull=True).delete()
