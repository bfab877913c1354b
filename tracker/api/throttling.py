"""Throttles counted per real client address, in the shared cache, with a lower limit for the anonymous export.

DRF's own throttles key an anonymous client on X-Forwarded-For whenever it is present, so any client could
open a new count with every request by sending a new value. Here the address is the project's one rule,
`tracker.client_address` (X-Forwarded-For only behind DJANGO_TRUSTED_PROXIES proxies), the same one the sign-in
lockout uses. Counters live in the cache named by API_THROTTLE_CACHE (the default cache: Redis in production),
so every worker of every server counts together.
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework import throttling

from tracker.client_address import client_address


class SharedCounterMixin:
    @property
    def cache(self):
        return caches[getattr(settings, "API_THROTTLE_CACHE", "default")]

    def get_ident(self, request):
        return client_address(request)

    def wait(self):
        # DRF may give no wait when the window is overfull; a client is always told when to come back.
        wait = super().wait()
        return max(1, wait) if wait is not None else self.duration


class AnonThrottle(SharedCounterMixin, throttling.AnonRateThrottle):
    """Anonymous clients, per address (rate "anon")."""


class UserThrottle(SharedCounterMixin, throttling.UserRateThrottle):
    """Signed-in clients, per user (rate "user"); anonymous ones per address."""


class AnonExportThrottle(SharedCounterMixin, throttling.SimpleRateThrottle):
    """The CSV export streams the whole filtered table: anonymous clients get a lower limit of their own."""

    scope = "anon_export"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None  # signed-in clients: the user rate only
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
