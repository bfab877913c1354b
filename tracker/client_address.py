"""The address a request really came from, by one rule for every counter keyed on it (login lockout, throttles).

Behind N trusted proxies, the client is the Nth address from the right of X-Forwarded-For: the proxies
append what they saw, and everything to the left of them is whatever the client chose to send. With no
proxy trusted (the default), X-Forwarded-For is ignored, so a client cannot open a new bucket per request
by sending a new header.
"""

from django.conf import settings


def client_address(request, *args, **kwargs):
    """The client's address; `args`/`kwargs` let django-axes call it with its own signature."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
