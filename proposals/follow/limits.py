"""How many sign-ups one address, and one client, may ask for in an hour: counted in the shared cache.

Double opt-in already means nobody gets digests they did not confirm; these limits keep the confirmation
mail itself from being turned on someone's inbox, or the form from being hammered. The client is counted by
tracker.client_address (X-Forwarded-For only behind trusted proxies); addresses are counted by a hash, so
the cache never holds them.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from tracker.client_address import client_address

WINDOW = 3600  # seconds


def _allowed(kind, identity, limit):
    key = f"follow:limit:{kind}:{hashlib.sha256(identity.encode()).hexdigest()[:40]}"
    if cache.add(key, 1, WINDOW):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW)
        count = 1
    return count <= limit


def allow_sign_up(request, email):
    """Count a sign-up for this client and this address; False when either has used up its hour."""
    by_client = _allowed("client", client_address(request), settings.FOLLOW_SIGNUPS_PER_CLIENT)
    by_address = _allowed("address", email, settings.FOLLOW_SIGNUPS_PER_ADDRESS)
    return by_client and by_address


def allow_registration(request):
    """Webhook registrations count against the client's sign-ups."""
    return _allowed("client", client_address(request), settings.FOLLOW_SIGNUPS_PER_CLIENT)
