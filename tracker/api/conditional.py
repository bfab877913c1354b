"""HTTP validators: ETag and Last-Modified on reads (304 when unchanged), If-Match on writes (412 when stale,
428 when missing).

A list page's ETag is a digest of the page as shown, so it changes exactly when that page does (another
record's change leaves it alone); its Last-Modified is the last change of the list's resource, deletions
included. What depends on the whole data set (the export, the bulk files) is validated by the site-wide
data version (moved on by every write, see `tracker.caching`) plus the exact request, before any query.
An object's ETag comes from its `updated_at` where it has one, otherwise from a hash of its representation;
either way it changes exactly when what a client read is no longer current, which is what If-Match compares
against. Last-Modified, whole seconds only, is sent once the second of the last change is over
(`settled_last_modified`).
"""

import datetime
import hashlib
import re
from types import SimpleNamespace

import orjson
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

from tracker.caching import data_version

READ_PRECONDITIONS = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ONE_SECOND = datetime.timedelta(seconds=1)


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send If-Match with the ETag you read (GET this resource first): a write without it could overwrite "
        "a change made since, unseen."
    )
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "This resource changed since you read it: its ETag no longer matches If-Match. Read it again and retry."
    )
    default_code = "precondition_failed"


def _quoted(*parts):
    digest = hashlib.blake2b("|".join(str(part) for part in parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def _whole_seconds(moment):
    """Seconds since the epoch, rounded down; exact, where a float timestamp can round up near a second's end."""
    return (moment - EPOCH) // ONE_SECOND


def settled_last_modified(changed_second):
    """The Last-Modified (epoch seconds) of a change made in `changed_second`; None while that second runs.

    HTTP dates count whole seconds. Sent while its second is still running, a Last-Modified could be shared
    by this version and one written later in the same second, and a client sending it as If-Modified-Since
    would get a 304 for a representation that changed. Once the second has passed, every later change falls
    in a later second, so the date tells versions apart (RFC 9110, section 8.8.2.2). Until then the ETag is
    the only validator, for the header and for comparing If-Modified-Since alike.
    """
    if changed_second is None or changed_second >= _whole_seconds(timezone.now()):
        return None
    return changed_second


def whole_seconds(moment):
    return None if moment is None else _whole_seconds(moment)


def representation_etag(request, data, renderer_format):
    """The ETag of a list page: a digest of the request and exactly what it shows, so another record's change
    leaves it be."""
    shown = orjson.dumps(data, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return _quoted("page", request.get_full_path(), renderer_format, shown)


def list_validators(request, renderer_format):
    """(ETag, Last-Modified seconds or None) of any list or read that depends on the whole data set."""
    version = data_version()  # nanoseconds since the epoch of the last write
    etag = _quoted("list", version, request.get_full_path(), renderer_format)
    return etag, settled_last_modified(version // 1_000_000_000)


def object_validators(instance, representation=None):
    """(ETag, Last-Modified seconds or None) of one object as the API shows it."""
    updated_at = getattr(instance, "updated_at", None)
    if updated_at is not None:
        etag = _quoted(instance._meta.label, instance.pk, updated_at.isoformat())
        return etag, settled_last_modified(_whole_seconds(updated_at))
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
    answer = get_conditional_response(read, etag=etag, last_modified=last_modified)
    return None if answer is None else set_validators(answer, etag, last_modified)


def varied(etag, variant):
    """The ETag of one variant of an object's representation (include=, fields=): the object's own tag with a
    suffix, so a 304 is never answered for another variant, while If-Match still compares the object's tag."""
    if not variant.strip(";"):
        return etag
    return f'{etag[:-1]}-{_quoted(variant)[1:]}'


def _object_tag(tag):
    return re.sub(r'-[0-9a-f]+"$', '"', tag)


def check_if_match(request, current_etag):
    """Refuse a write made blindly (428) or against a representation that is no longer current (412)."""
    if_match = request.headers.get("If-Match")
    if not if_match:
        raise PreconditionRequired()
    # Strong comparison (a weak tag never matches), of the object's tag whichever variant was read.
    tags = {_object_tag(tag) for tag in parse_etags(if_match)}
    if "*" not in tags and current_etag not in tags:
        raise PreconditionFailed()


def set_validators(response, etag, last_modified=None):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # Validators, not freshness: clients and caches revalidate every time, and get a 304 when nothing changed.
    response["Cache-Control"] = "no-cache"
    return response
