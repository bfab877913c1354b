"""Signed links in mail: confirm a sign-up, stop following one thing or everything, manage what one follows.

Each link signs (with SECRET_KEY, a salt per purpose, and a timestamp) the record's id and its subscriber's
random key, so a link works only for its purpose, only until it expires, and never for an address deleted
and signed up again.
"""

import datetime

from django.conf import settings
from django.core import signing

from .models import Subscriber, Subscription

CONFIRM, STOP, STOP_ALL, MANAGE = "confirm", "stop", "stop-all", "manage"


def _signer(purpose):
    return signing.TimestampSigner(salt=f"follow.{purpose}")


def _max_age(purpose):
    days = settings.FOLLOW_CONFIRM_DAYS if purpose == CONFIRM else settings.FOLLOW_LINK_DAYS
    return datetime.timedelta(days=days)


def make(purpose, record):
    """The token of a link for `purpose` about a Subscription (confirm, stop) or a Subscriber (stop-all, manage)."""
    subscriber = record if isinstance(record, Subscriber) else record.subscriber
    return _signer(purpose).sign(f"{record.pk}.{subscriber.key}")


def read(purpose, token):
    """The Subscription or Subscriber a token names, or None when it is forged, expired or no longer there.

    Raises signing.SignatureExpired for a genuine link past its time, so the page can say so.
    """
    try:
        value = _signer(purpose).unsign(token, max_age=_max_age(purpose))
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    pk, _, key = value.partition(".")
    if not pk.isdigit():
        return None
    if purpose in (CONFIRM, STOP):
        return Subscription.objects.select_related("subscriber").filter(pk=pk, subscriber__key=key).first()
    return Subscriber.objects.filter(pk=pk, key=key).first()
