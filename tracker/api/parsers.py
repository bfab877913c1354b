"""Request bodies, bounded like Django's own form posts, and JSON read by orjson.

Django refuses a form post larger than DATA_UPLOAD_MAX_MEMORY_SIZE, but DRF's parsers read the request
stream themselves and never ask: a 10 MB JSON body was read, stored and served to every reader. Every
parser here reads at most that many bytes and answers 413 beyond it. JSON goes through orjson, which
also refuses nesting deeper than 1,024 levels with an error instead of running out of stack (the standard
library's parser raised RecursionError, a server error, at around a thousand).
"""

import orjson
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is larger than this API takes ({limit} bytes).")
    default_code = "request_too_large"

    def __init__(self, limit):
        super().__init__(self.default_detail.format(limit=limit))


def body_limit():
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_length(parser_context):
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def check_declared_length(parser_context):
    limit = body_limit()
    if limit is not None and declared_length(parser_context) > limit:
        raise RequestTooLarge(limit)


def read_bounded(stream, parser_context):
    """The whole body, or a 413 once it passes the limit (whatever Content-Length claimed)."""
    check_declared_length(parser_context)
    if stream is None:
        return b""
    limit = body_limit()
    if limit is None:
        return stream.read()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise RequestTooLarge(limit)
    return data


class ORJSONParser(parsers.BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        data = read_bounded(stream, parser_context)
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from None


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(read_bounded(stream, parser_context), encoding=encoding)


class MultiPartParser(parsers.MultiPartParser):
    """Django's multipart parser bounds the fields itself; the declared length bounds uploads as well."""

    def parse(self, stream, media_type=None, parser_context=None):
        check_declared_length(parser_context)
        return super().parse(stream, media_type, parser_context)
