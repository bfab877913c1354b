"""Keyset (cursor) paging: every page is one indexed range scan, however deep the walk goes.

A page is ordered on (key, id) and the cursor holds the last row's pair, so the next page starts
right after it. Nothing is counted and nothing is skipped with OFFSET, so page 2,000 costs what page 1
costs, and rows inserted or edited during a walk never shift the rows still to come. Each page asks for
one row more than it shows: that row's presence is the whole of the last-page test.

A nullable ordering field (a proposal with no status yet has no status date) is walked on
COALESCE(field, lowest value): the rows without a value come last in descending order and first in
ascending order, and the walk stays one range condition on one index across that boundary (the model
declares the index on the same expression). A NULL needs no special case in the keyset condition, where
it would take an OR that no index serves, or a second query once the dated rows run out. A filtered queryset
may bring its own key for such a field, as the alias `<field>_walk` (the same COALESCE over a joined copy of
the field whose index leads with the filter, as a theme's walk rows do): the walk then orders on that.
"""

import base64
import binascii
import datetime
import re
from dataclasses import dataclass

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as InvalidValue
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# The largest id a row can have (a signed 64-bit integer): a cursor naming a larger one points at no row.
MAX_ID = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]{1,6}")  # str.isdigit() also takes "²" and "٣", which int() refuses or misreads
WALK_KEY = "walk_key"
# What a missing value counts as, per field type: below every real value.
LOWEST_VALUES = {
    "DateField": datetime.date.min,
    "DateTimeField": datetime.datetime.min.replace(tzinfo=datetime.UTC),
}


@dataclass(frozen=True)
class Ordering:
    """A walk order: one model field and direction, with the id breaking ties."""

    field: str
    descending: bool = False
    nullable: bool = False


def orderings(*fields, nullable=()):
    """{"field": Ordering, "-field": Ordering, ...} for the named fields."""
    table = {}
    for field in fields:
        table[field] = Ordering(field, False, field in nullable)
        table[f"-{field}"] = Ordering(field, True, field in nullable)
    return table


@dataclass(frozen=True)
class Position:
    """The last row handed out: its ordering value (None if it has none) and its id."""

    value: object
    id: int


def lowest_value(model, field):
    """What a row without a value in `field` sorts as."""
    internal_type = model._meta.get_field(field).get_internal_type()
    if internal_type not in LOWEST_VALUES:
        raise ImproperlyConfigured(f"No lowest value known for a nullable {internal_type} ordering ({field}).")
    return LOWEST_VALUES[internal_type]


def walk_key_expression(model, field):
    """COALESCE(field, its lowest value): the sort key of a nullable field, as its index declares it."""
    return Coalesce(F(field), Value(lowest_value(model, field)))


def encode_cursor(ordering_name, position, to_text):
    value = None if position.value is None else to_text(position.value)
    payload = {"o": ordering_name, "v": value, "i": position.id}
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(text, ordering_name, ordering, to_value):
    """The position a cursor points at; a 400 naming `cursor` if it was not made for this ordering."""
    invalid = ValidationError({"cursor": [_("This cursor is not valid for this list; start again without it.")]})
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        row_id, raw_value = payload["i"], payload.get("v")
        value = None if raw_value is None else to_value(raw_value)
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            value.astimezone(datetime.UTC)  # what the database compares; years 1 to 9999 only
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError, OverflowError, InvalidValue,
            orjson.JSONDecodeError):
        raise invalid from None
    if payload.get("o") != ordering_name or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise invalid
    if not 1 <= row_id <= MAX_ID:
        raise invalid
    if value is None and ordering.field != "id" and not ordering.nullable:
        raise invalid
    return Position(value, row_id)


def _walk_queryset(queryset, ordering, position):
    """The queryset in walk order, from just after `position` (None: from the start)."""
    field, desc = ordering.field, ordering.descending
    key, own_key = field, f"{field}_walk"
    if ordering.nullable and own_key in queryset.query.annotations:
        key = own_key  # the queryset's own walk key: a joined copy of the field beside a better index
    elif ordering.nullable:
        queryset, key = queryset.alias(**{WALK_KEY: walk_key_expression(queryset.model, field)}), WALK_KEY
    before, after = ("lt", "lte") if desc else ("gt", "gte")
    if position is not None and field == "id":
        queryset = queryset.filter(**{f"id__{before}": position.id})
    elif position is not None:
        value = position.value if position.value is not None else lowest_value(queryset.model, field)
        # Written as `key <= v AND (key < v OR id < i)`: the leading range lets the database walk the
        # (key, id) index; the equivalent `key < v OR (key = v AND id < i)` makes it scan (PERFORMANCE.md).
        beyond = Q(**{f"{key}__{before}": value}) | Q(**{f"id__{before}": position.id})
        queryset = queryset.filter(Q(**{f"{key}__{after}": value}) & beyond)
    order = [f"-{key}", "-id"] if desc else [key, "id"]
    return queryset.order_by(*order[:1] if field == "id" else order)


def attribute_key(ordering):
    """The key of a model instance row: its ordering field and id, read as attributes."""
    return lambda row: (getattr(row, ordering.field), row.id)


def dict_key(ordering):
    """The key of a plain dict row (from `values()`, or a representation built from one)."""
    return lambda row: (row[ordering.field], row["id"])


def keyset_page(queryset, ordering, position, size, fetch=list, key=None):
    """(rows, next position or None): up to `size` rows after `position` (None: the first page), in one query.

    `fetch` turns a sliced queryset into rows (model instances, dicts…); `key(row)` gives (value, id).
    """
    key = key or attribute_key(ordering)
    found = fetch(_walk_queryset(queryset, ordering, position)[: size + 1])
    rows = found[:size]
    if len(found) <= size:
        return rows, None
    value, row_id = key(rows[-1])
    return rows, Position(value, row_id)


def _to_text(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class KeysetPagination(BasePagination):
    """DRF pagination by keyset: reads `ordering`, `cursor` and `page_size`, and fetches one page in one query.

    The view names the orderings it allows (`orderings`, see `orderings()`) and its default
    (`default_ordering`, or `list_ordering_default()` when the request decides). Two optional hooks say how
    a page's rows are read: `fetch_page(sliced_queryset)` turns the sliced queryset into rows (model
    instances by default), and `row_key(ordering)` gives a function row -> (ordering value, id) for the
    next cursor (attribute access by default).
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    query_params = (cursor_query_param, page_size_query_param, ordering_query_param)

    def ordering(self, request, view):
        """(name, Ordering) the request asks for, or the view's default; a 400 naming `ordering` otherwise."""
        default = view.list_ordering_default() if hasattr(view, "list_ordering_default") else view.default_ordering
        name = request.query_params.get(self.ordering_query_param) or default
        if name not in view.orderings:
            choices = ", ".join(view.orderings)
            message = _("Choose one of: %(choices)s.") % {"choices": choices}
            raise ValidationError({self.ordering_query_param: [message]})
        return name, view.orderings[name]

    def page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        if not ASCII_DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}]}
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        """The rows of the page the request asks for; the link to the next page is kept for the response."""
        name, ordering = self.ordering(request, view)
        model_field = queryset.model._meta.get_field(ordering.field)
        raw_cursor = request.query_params.get(self.cursor_query_param)
        position = decode_cursor(raw_cursor, name, ordering, model_field.to_python) if raw_cursor else None
        fetch = getattr(view, "fetch_page", list)
        key = view.row_key(ordering) if hasattr(view, "row_key") else None
        rows, following = keyset_page(queryset, ordering, position, self.page_size(request), fetch, key)
        self.next_link = None
        if following is not None:
            cursor = encode_cursor(name, following, _to_text)
            self.next_link = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, cursor)
        return rows

    def get_paginated_response(self, data):
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
