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
    @property
    def cache(self):
        return caches[getattr(settings, "API_THROTTLE_CACHE", "default")]

    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if getattr(self, "key", None) is not None:  # this throttle counts this client
            remember_limit(request, self)
        return allowed

    def wait(self):
        # DRF may give no wait when the window is overfull; a client is always told when to come back.
        wait = super().wait()
        return max(1, wait) if wait is not None else self.duration


def remember_limit(request, throttle):
    """Keep, on the request, the numbers of the tightest throttle counting it: the X-RateLimit headers."""
    history = throttle.history
    remaining = max(0, throttle.num_requests - len(history))
    reset = throttle.duration - (throttle.now - history[-1]) if history else throttle.duration
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
