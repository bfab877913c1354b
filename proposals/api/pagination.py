"""Keyset (cursor) paging: every page is one indexed range scan, however deep the walk goes.

A page is ordered on (field, id) and the cursor holds the last row's pair, so the next page starts
right after it. Nothing is counted and nothing is skipped with OFFSET, so page 2,000 costs what page 1
costs, and rows inserted or edited during a walk never shift the rows still to come.

A nullable ordering field (a proposal with no status yet has no status date) is walked in two
segments: the rows with a value, then the rows without one ordered on id alone (in ascending order
the rows without a value come first). Each segment keeps its own index-friendly query.
"""

import base64
import binascii
from dataclasses import dataclass

import orjson
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
VALUES, NULLS = "v", "n"


@dataclass(frozen=True)
class Ordering:
    """A walk order: one model field and direction, with the id breaking ties."""

    field: str
    descending: bool = False
    nullable: bool = False

    @property
    def segments(self):
        if not self.nullable:
            return (VALUES,)
        return (VALUES, NULLS) if self.descending else (NULLS, VALUES)


def orderings(*fields, nullable=()):
    """{"field": Ordering, "-field": Ordering, ...} for the named fields."""
    table = {}
    for field in fields:
        table[field] = Ordering(field, False, field in nullable)
        table[f"-{field}"] = Ordering(field, True, field in nullable)
    return table


@dataclass(frozen=True)
class Position:
    segment: str
    value: object = None
    id: int | None = None  # None: the start of the segment


def encode_cursor(ordering_name, position, to_text):
    payload = {"o": ordering_name, "s": position.segment, "i": position.id}
    if position.segment == VALUES:
        payload["v"] = to_text(position.value)
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(text, ordering_name, ordering, to_value):
    """The position a cursor points at; a 400 naming `cursor` if it was not made for this ordering."""
    invalid = ValidationError({"cursor": [_("This cursor is not valid for this list; start again without it.")]})
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        segment, row_id = payload["s"], payload["i"]
        value = to_value(payload["v"]) if segment == VALUES else None
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise invalid from None
    if payload.get("o") != ordering_name or segment not in ordering.segments:
        raise invalid
    if row_id is not None and not isinstance(row_id, int):
        raise invalid
    return Position(segment, value, row_id)


def _segment_queryset(queryset, ordering, position):
    field, desc = ordering.field, ordering.descending
    before, after = ("lt", "lte") if desc else ("gt", "gte")
    if position.segment == NULLS:
        queryset = queryset.filter(**{f"{field}__isnull": True})
        if position.id is not None:
            queryset = queryset.filter(**{f"id__{before}": position.id})
        return queryset.order_by("-id" if desc else "id")
    if ordering.nullable:
        queryset = queryset.filter(**{f"{field}__isnull": False})
    if position.id is not None and field != "id":
        # Written as `field <= v AND (field < v OR id < i)`: the leading range lets the database walk the
        # (field, id) index; the equivalent `field < v OR (field = v AND id < i)` makes it scan (PERFORMANCE.md).
        value = position.value
        beyond = Q(**{f"{field}__{before}": value}) | Q(**{f"id__{before}": position.id})
        queryset = queryset.filter(Q(**{f"{field}__{after}": value}) & beyond)
    elif position.id is not None:
        queryset = queryset.filter(**{f"id__{before}": position.id})
    order = [f"-{field}", "-id"] if desc else [field, "id"]
    return queryset.order_by(*order[:1] if field == "id" else order)


def keyset_page(queryset, ordering, position, size, fetch=list, key=None):
    """(rows, next position or None): up to `size` rows from `position` on, one query per segment touched.

    `fetch` turns a sliced queryset into rows (model instances, dicts…); `key(row)` gives (value, id).
    """
    key = key or (lambda row: (getattr(row, ordering.field), row.id))
    segments = ordering.segments
    rows = []
    index = segments.index(position.segment)
    while True:
        wanted = size - len(rows)
        found = fetch(_segment_queryset(queryset, ordering, position)[: wanted + 1])
        rows.extend(found[:wanted])
        if len(found) > wanted:
            value, row_id = key(rows[-1])
            return rows, Position(position.segment, value, row_id)
        index += 1
        if index == len(segments):
            return rows, None
        position = Position(segments[index])
        if len(rows) == size:
            # This segment ended with the page: look one row into the next before offering a next page.
            if fetch(_segment_queryset(queryset, ordering, position)[:1]):
                return rows, position
            return rows, None


def _to_text(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class KeysetPagination(BasePagination):
    """Reads `ordering`, `cursor` and `page_size` from the request and pages a queryset by keyset.

    Views give the orderings they allow (`orderings`), their default, and how a row yields its key.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    query_params = (cursor_query_param, page_size_query_param, ordering_query_param)

    def __init__(self, view=None):
        self.view = view

    def ordering_name(self, request, default):
        name = request.query_params.get(self.ordering_query_param) or default
        if name not in self.view.orderings:
            choices = ", ".join(self.view.orderings)
            message = _("Choose one of: %(choices)s.") % {"choices": choices}
            raise ValidationError({self.ordering_query_param: [message]})
        return name

    def page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}]}
            )
        return int(raw)

    def paginate(self, queryset, request, *, default_ordering, fetch=list, key=None):
        """The page's rows; `next_link` is set afterwards for the response."""
        name = self.ordering_name(request, default_ordering)
        ordering = self.view.orderings[name]
        model_field = queryset.model._meta.get_field(ordering.field)
        raw_cursor = request.query_params.get(self.cursor_query_param)
        if raw_cursor:
            position = decode_cursor(raw_cursor, name, ordering, model_field.to_python)
        else:
            position = Position(ordering.segments[0])
        rows, following = keyset_page(queryset, ordering, position, self.page_size(request), fetch, key)
        self.next_link = None
        if following is not None:
            cursor = encode_cursor(name, following, _to_text)
            self.next_link = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, cursor)
        return rows

    def get_paginated_response(self, data):
        from rest_framework.response import Response

        return Response({"next": self.next_link, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string", "format": "uri", "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        choices = list(view.orderings)
        return [
            {
                "name": self.ordering_query_param, "in": "query", "required": False,
                "description": f"Sort order (default `{view.default_ordering}`); ties are broken by id.",
                "schema": {"type": "string", "enum": choices},
            },
            {
                "name": self.cursor_query_param, "in": "query", "required": False,
                "description": "Opaque position from a previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param, "in": "query", "required": False,
                "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
            },
        ]
