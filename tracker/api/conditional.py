"""HTTP validators: ETag and Last-Modified on reads (304 when unchanged), If-Match on writes (412 when stale).

A list's ETag is the site-wide data version (moved on by every write, see `tracker.caching`) plus the exact
request, so an unchanged list is answered 304 before any query runs. An object's ETag comes from its
`updated_at` where it has one, otherwise from a hash of its representation; either way it changes exactly
when what a client read is no longer current, which is what If-Match compares against.
"""

import datetime
import hashlib
from types import SimpleNamespace

import orjson
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

from tracker.caching import data_version

READ_PRECONDITIONS = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"}


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "This resource changed since you read it: its ETag no longer matches If-Match. Read it again and retry."
    )
    default_code = "precondition_failed"


def _quoted(*parts):
    digest = hashlib.blake2b("|".join(str(part) for part in parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def list_validators(request, renderer_format):
    """(ETag, Last-Modified datetime) of any list or read that depends on the whole data set."""
    version = data_version()
    last_modified = datetime.datetime.fromtimestamp(version // 1_000_000_000, tz=datetime.UTC)
    return _quoted("list", version, request.get_full_path(), renderer_format), last_modified


def object_validators(instance, representation=None):
    """(ETag, Last-Modified or None) of one object as the API shows it."""
    updated_at = getattr(instance, "updated_at", None)
    if updated_at is not None:
        return _quoted(instance._meta.label, instance.pk, updated_at.isoformat()), updated_at
    return _quoted(instance._meta.label, orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)), None


def not_modified(request, etag, last_modified=None):
    """A 304 carrying the validators when the client's copy is still current; None when the read must answer.

    Django's `get_conditional_response` compares them as RFC 9110 section 13.2.2 orders: If-None-Match
    (weak comparison) decides when it is sent, If-Modified-Since only otherwise. It is shown the read
    preconditions alone: If-Match belongs to writes, checked under the row lock by `check_if_match`, and a
    read is not refused for it.
    """
    read = SimpleNamespace(
        method=request.method, path=request.path,
        META={name: value for name, value in request.META.items() if name in READ_PRECONDITIONS},
    )
    seconds = None if last_modified is None else int(last_modified.timestamp())
    answer = get_conditional_response(read, etag=etag, last_modified=seconds)
    return None if answer is None else set_validators(answer, etag, last_modified)


def check_if_match(request, current_etag):
    """Refuse a write made against a representation that is no longer current."""
    if_match = request.headers.get("If-Match")
    if not if_match:
        return
    tags = set(parse_etags(if_match))  # strong comparison: a weak tag never matches
    if "*" not in tags and current_etag not in tags:
        raise PreconditionFailed()


def set_validators(response, etag, last_modified=None):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    # Validators, not freshness: clients and caches revalidate every time, and get a 304 when nothing changed.
    response["Cache-Control"] = "no-cache"
    return response
