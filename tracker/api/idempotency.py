"""Idempotency-Key on POST: a retried create gets the first answer again instead of making a duplicate.

A client that lost the answer to a create (a timeout, a dropped connection) cannot tell whether it was made;
sending it again made a second record (twenty retries made twenty identical status events). With the same
`Idempotency-Key` header, a retry by the same user within the retention (settings.API_IDEMPOTENCY_HOURS,
24 by default) gets the first success again: same status, body and Location, and nothing is written. The
key names one request: sent with another body or to another address it is a 422. While the first is still
being written, a retry is a 409 (try again in a moment). Only successes are kept, so a refused request can be
corrected and sent again under the same key. Keys live in the shared cache, which every app server sees.
"""

import functools
import hashlib
import re

import orjson
from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as a header value can carry it everywhere
LOCK_SECONDS = 60
REPLAYED_HEADERS = ("Location", "ETag", "Last-Modified", "Cache-Control")


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was sent with another request (a different body or address); "
                       "use a new key for a new request.")
    default_code = "idempotency_key_reused"


class StillProcessing(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed; retry in a moment.")
    default_code = "idempotency_key_in_use"


def _cache():
    return caches[getattr(settings, "API_IDEMPOTENCY_CACHE", "default")]


def retention_seconds():
    return int(getattr(settings, "API_IDEMPOTENCY_HOURS", 24)) * 3600


def _plain(data):
    if hasattr(data, "lists"):  # a QueryDict from a form
        return {key: values for key, values in data.lists()}
    return data


def fingerprint(request):
    body = orjson.dumps(_plain(request.data), option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                        default=str)
    return hashlib.sha256(b"|".join([request.method.encode(), request.path.encode(), body])).hexdigest()


def _replay(stored, request_fingerprint):
    if stored["fingerprint"] != request_fingerprint:
        raise KeyReused()
    response = Response(stored["data"], status=stored["status"], headers=stored["headers"])
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_method):
    """Wrap a POST action so that a retry under the same Idempotency-Key answers the first success again."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        if not VALID_KEY.fullmatch(key):
            raise ValidationError({HEADER: [_("Give 1 to 255 visible ASCII characters, e.g. a UUID.")]})
        cache = _cache()
        digest = hashlib.sha256(key.encode()).hexdigest()
        entry, lock = f"idempotency:{request.user.pk}:{digest}", f"idempotency:{request.user.pk}:{digest}:lock"
        this_request = fingerprint(request)
        stored = cache.get(entry)
        if stored is not None:
            return _replay(stored, this_request)
        if not cache.add(lock, this_request, LOCK_SECONDS):
            stored = cache.get(entry)
            if stored is not None:
                return _replay(stored, this_request)
            held_for = cache.get(lock)
            if held_for is not None and held_for != this_request:
                raise KeyReused()
            raise StillProcessing()
        try:
            response = view_method(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                cache.set(entry, {
                    "fingerprint": this_request, "status": response.status_code, "data": response.data,
                    "headers": {name: response[name] for name in REPLAYED_HEADERS if name in response},
                }, retention_seconds())
            return response
        finally:
            cache.delete(lock)

    return wrapper
