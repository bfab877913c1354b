"""Whole-response caching for anonymous reads, as fresh as the last save of what each response shows.

Readers far outnumber editors, and between two editors' saves every anonymous reader of a URL gets the
same bytes. This middleware keeps those bytes under (absolute URL, language, Accept) with the data version
read before they were computed and the tags they depend on (tracker/caching.py), and answers repeat
requests, and `If-None-Match` revalidations with 304, without running the view, while none of those tags
moved since: one query. A save moves the tags it touched (a status saved on one proposal: that proposal's
and the lists'), so the very next read of a page that shows it computes afresh, and the other pages stay.

It sits right after WhiteNoise: a hit skips sessions, authentication and the view entirely. A request is
only served from here when nothing about the reader can change the answer: no Authorization header, no
session cookie; a response is only stored when it sets no cookie, is not private, and varies on nothing
but Accept, the language, or cookies (the last only reused for requests that carry no other cookies).
"""

import hashlib

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import get_urlconf
from django.utils import translation
from django.utils.cache import cc_delim_re, get_conditional_response
from django.utils.http import parse_etags, parse_http_date_safe

from .caching import (
    collect_response_tags,
    data_version,
    forget_version_once_read,
    remember_version_once_read,
    response_tags,
    tags_moved_since,
)

KEY_PREFIX = "tracker:response:"

SAFE_METHODS = {"GET", "HEAD"}
# Vary headers this cache honours: Accept and the language are in the key; Cookie and Authorization are
# settled by only serving requests without a session or credentials.
UNDERSTOOD_VARY = {"accept", "accept-language", "cookie", "authorization"}
# Copied onto a 304 so the client's stored response stays accurate (RFC 9110, section 15.4.5).
NOT_MODIFIED_HEADERS = ("ETag", "Cache-Control", "Content-Location", "Date", "Expires", "Vary", "Last-Modified")


class ResponseCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        # A read reads the data version at most once: what it shows, its ETags, its counts and the entry stored
        # here agree on one value.
        token = remember_version_once_read()
        try:
            if self._eligible(request):
                return self._cached_response(request)
            return self.get_response(request)
        finally:
            forget_version_once_read(token)

    def _cached_response(self, request):
        parts = "\x1f".join((request.build_absolute_uri(), self._language(request), self._accept(request)))
        key = KEY_PREFIX + hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()
        reader_has_cookies = self._has_cookies_beyond_language(request)
        # A client asking for a fresh answer (Cache-Control: no-cache) gets the view's, which then refreshes the entry.
        entry = None if _wants_fresh(request) else cache.get(key)
        if entry is not None and not (entry["varies_on_cookie"] and reader_has_cookies) and \
                not tags_moved_since(entry["tags"], entry["as_of"]):
            return _answer(request, entry)

        # Run the view without the client's validators, so the full response can be stored; they are
        # applied here afterwards, against the same ETag.
        validators = {name: request.META.pop(name) for name in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
                      if name in request.META}
        # Read before the view reads anything, so what it shows is at least this fresh (and kept for the request).
        as_of = data_version()
        token = collect_response_tags()
        try:
            response = self.get_response(request)
        finally:
            tags = response_tags(token)
        request.META.update(validators)
        entry = _entry_for(response)
        if entry is None:
            return _revalidated(request, response)
        if not (entry["varies_on_cookie"] and reader_has_cookies):
            cache.set(key, {**entry, "as_of": as_of, "tags": sorted(tags)},
                      getattr(settings, "RESPONSE_CACHE_SECONDS", 600))
        return _answer(request, entry, response)

    def _eligible(self, request):
        if not getattr(settings, "RESPONSE_CACHE", False) or request.method not in SAFE_METHODS:
            return False
        if "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return False
        return not request.path_info.startswith(_exempt_prefixes())

    @staticmethod
    def _language(request):
        # The language LocaleMiddleware will pick, which runs after this middleware.
        i18n_patterns_used, prefixed_default = is_language_prefix_patterns_used(get_urlconf())
        language = translation.get_language_from_request(request, check_path=i18n_patterns_used)
        if i18n_patterns_used and not prefixed_default and not translation.get_language_from_path(request.path_info):
            language = settings.LANGUAGE_CODE
        return language

    @staticmethod
    def _accept(request):
        return " ".join(request.headers.get("Accept", "").split())

    @staticmethod
    def _has_cookies_beyond_language(request):
        return any(name != settings.LANGUAGE_COOKIE_NAME for name in request.COOKIES)


def _exempt_prefixes():
    return ("/" + settings.STATIC_URL.lstrip("/"), "/admin/", *getattr(settings, "RESPONSE_CACHE_EXEMPT", ()))


def _wants_fresh(request):
    directives = {part.strip().lower() for part in request.headers.get("Cache-Control", "").split(",")}
    return "no-cache" in directives or request.headers.get("Pragma", "").lower() == "no-cache"


def _entry_for(response):
    """What to store of a response, or None when it must not be shared between readers."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    cache_control = {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")}
    # "no-cache" is not here: it asks clients to revalidate, which this cache does on every request by the
    # data version; it stays in the stored headers for the clients.
    if cache_control & {"private", "no-store"}:
        return None
    vary = {header.strip().lower() for header in cc_delim_re.split(response.get("Vary", "")) if header.strip()}
    if vary - UNDERSTOOD_VARY or "*" in vary:
        return None
    if not response.has_header("ETag"):
        response["ETag"] = f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
    return {
        "content": response.content,
        # A client's throttle count is its own: a hit, served before the throttles run, carries none.
        "headers": [(name, value) for name, value in response.items() if not name.startswith("X-RateLimit-")],
        "etag": response["ETag"],
        "varies_on_cookie": "cookie" in vary,
    }


def _answer(request, entry, response=None):
    if _etag_matches(request.META.get("HTTP_IF_NONE_MATCH"), entry["etag"]):
        not_modified = HttpResponseNotModified()
        for name, value in entry["headers"]:
            if name in NOT_MODIFIED_HEADERS:
                not_modified[name] = value
        return not_modified
    if response is not None:
        return response
    cached = HttpResponse(entry["content"])
    for name, value in entry["headers"]:
        cached[name] = value
    return cached


def _revalidated(request, response):
    """The client's validators applied to a response that is not stored, as ConditionalGetMiddleware would."""
    if response.status_code != 200 or request.method != "GET":
        return response
    etag, last_modified = response.get("ETag"), parse_http_date_safe(response.get("Last-Modified"))
    if etag or last_modified:
        return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
    return response


def _etag_matches(if_none_match, etag):
    if not if_none_match:
        return False
    wanted = parse_etags(if_none_match)
    # Weak comparison, as If-None-Match requires.
    return "*" in wanted or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in wanted}
