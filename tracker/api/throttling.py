"""Throttles counted per real client address, in the shared cache, with a lower limit for the anonymous export.

DRF's own throttles key an anonymous client on X-Forwarded-For whenever it is present, so any client could
open a new count with every request by sending a new value. Here the address is the project's one rule,
`tracker.client_address` (X-Forwarded-For only behind DJANGO_TRUSTED_PROXIES proxies), the same one the sign-in
lockout uses. Counters live in the cache named by API_THROTTLE_CACHE (the default cache: Redis in production),
so every worker of every server counts together.
"""

import math

from django.conf import settings
from django.core.cache import caches
from rest_framework import throttling

from tracker.client_address import client_address


class SharedCounterMixin:
    """A count per client in a window that opens with the client's first request and lasts the rate's period.

    DRF's throttles keep every request's time in one cached list, read and written whole by each request: at
    10,000 requests a minute that is 10,000 floats unpickled and pickled twice per request, and two workers
    writing the list at once lose each other's requests. Here a request is one atomic increment of a counter
    (Redis INCR) that expires with its window, and one read of when the window opened, for the headers.
    """

    @property
    def cache(self):
        return caches[getattr(settings, "API_THROTTLE_CACHE", "default")]

    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:  # this throttle does not count this client
            return True
        self.now = self.timer()
        self.count, self.opened = self._counted(self.key)
        remember_limit(request, self)
        return self.count <= self.num_requests or self.throttle_failure()

    def _counted(self, key):
        """(requests in this client's window, this one included; when the window opened)."""
        cache = self.cache
        try:
            count = cache.incr(key)
        except ValueError:  # no window open: this request opens one, unless another worker just did
            if cache.add(key, 1, self.duration):
                cache.set(f"{key}:opened", self.now, self.duration)
                return 1, self.now
            count = cache.incr(key)
        return count, cache.get(f"{key}:opened", self.now)

    def wait(self):
        # Until the window closes; a client is always told to wait at least a second.
        return max(1, math.ceil(self.opened + self.duration - self.now))


def remember_limit(request, throttle):
    """Keep, on the request, the numbers of the tightest throttle counting it: the X-RateLimit headers."""
    remaining = max(0, throttle.num_requests - throttle.count)
    reset = throttle.opened + throttle.duration - throttle.now
    numbers = (remaining, throttle.num_requests, max(0, math.ceil(reset)))
    http_request = getattr(request, "_request", request)
    if getattr(http_request, "rate_limit", None) is None or numbers < http_request.rate_limit:
        http_request.rate_limit = numbers


class RateLimitHeadersMiddleware:
    """X-RateLimit-Limit, -Remaining and -Reset (seconds) on every API response the throttles counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        numbers = getattr(request, "rate_limit", None)
        if numbers is not None:
            remaining, limit, reset = numbers
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(remaining)
            response["X-RateLimit-Reset"] = str(reset)
        return response


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
