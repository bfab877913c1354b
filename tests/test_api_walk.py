"""Keyset walks across the boundary between dated and undated proposals, and the theme filter's query plan."""

import base64
import copy
import datetime

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from proposals.api.representations import proposal_values
from proposals.lifecycle import Status
from proposals.models import Proposal, ThemeWalk
from proposals.services import record_status
from tracker.api.pagination import KeysetPagination, Position, keyset_page, orderings
from tracker.caching import VERSION_READ, clear_cache

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date
LIST = "/api/v1/proposals/"


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture(scope="module")
def mixed_rows(module_db):
    """Seven dated proposals, with ties on the date, and four without a status: (dated, undated) ids."""
    cited = factories.source()
    dated = []
    for n in range(7):
        proposal = factories.proposal()
        record_status(proposal, date=D(2020, 5, 22 + n % 3), status=Status.SUBMITTED, source=cited)
        dated.append(proposal.pk)
    undated = [factories.proposal().pk for _ in range(4)]
    return dated, undated


@pytest.fixture
def mixed(mixed_rows):
    return copy.deepcopy(mixed_rows)


def expected_order(descending):
    """The walk order worked out in Python: latest status first, then the undated ones (reversed: ascending)."""
    rows = list(Proposal.objects.values_list("status_date", "id"))
    dated = sorted((row for row in rows if row[0] is not None), reverse=True)
    undated = sorted((row for row in rows if row[0] is None), reverse=True)
    order = [pk for _date, pk in dated + undated]
    return order if descending else order[::-1]


def walk(client, params):
    """(ids in walk order, data queries of each page): follows `next` to the end, with no item kept from an
    earlier walk (each page then reads its own rows)."""
    clear_cache()
    seen, queries, url = [], [], LIST
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, response.content
        params = None  # the next link carries every parameter
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        queries.append(len([q for q in captured.captured_queries if not q["sql"].startswith(VERSION_READ)]))
        url = body["next"]
    return seen, queries


@pytest.mark.parametrize("ordering", ["-status_date", "status_date"])
def test_every_page_size_walks_across_the_null_boundary_without_skips_or_repeats(client, mixed, ordering):
    expected = expected_order(descending=ordering.startswith("-"))
    assert len(expected) == 11
    for size in range(1, 13):  # the boundary falls inside pages, at their ends, and on the first and last page
        seen, _queries = walk(client, {"ordering": ordering, "page_size": size})
        assert seen == expected, size


def test_last_page_runs_no_more_queries_than_a_middle_page(client, mixed):
    dated, undated = mixed
    # Page size 7: the first page ends exactly where the dated rows do, the second holds the undated ones.
    seen, queries = walk(client, {"page_size": 7})
    assert set(seen[:7]) == set(dated) and set(seen[7:]) == set(undated)
    assert len(queries) == 2 and queries[0] == queries[1]

    Proposal.objects.filter(pk__in=undated).delete()
    # Now the first page is the last one and ends with the dated rows: nothing after it, still one fetch.
    seen, queries = walk(client, {"page_size": 7})
    assert sorted(seen) == sorted(dated) and len(queries) == 1
    _seen, middle_queries = walk(client, {"page_size": 3})
    # (A page reads the rows of its items and of the one row past it, so the last page may find all of its
    # items already built by the page before: fewer queries, never more.)
    assert queries[0] == middle_queries[0] and middle_queries[-1] <= middle_queries[0]


def test_keyset_page_fetches_one_row_more_than_it_shows(mixed):
    ordering = orderings("status_date", nullable=("status_date",))["-status_date"]
    slices = []

    def fetch(sliced):
        slices.append(sliced.query.high_mark - sliced.query.low_mark)
        return list(sliced)

    rows, following = keyset_page(proposal_values(Proposal.objects.all()), ordering, None, 11, fetch=fetch,
                                  key=lambda row: (row["status_date"], row["id"]))
    assert len(rows) == 11 and following is None and slices == [12]


def cursor(payload):
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def test_a_cursor_among_the_undated_rows_resumes_there(client, mixed):
    _dated, undated = mixed
    first = sorted(undated, reverse=True)[0]
    response = client.get(LIST, {"cursor": cursor({"o": "-status_date", "v": None, "i": first})})
    assert [row["id"] for row in response.json()["results"]] == sorted(undated, reverse=True)[1:]


@pytest.mark.parametrize("payload", [
    {"o": "-updated_at", "v": None, "i": 5},  # updated_at is never empty
    {"o": "-status_date", "v": "2020-05-22", "i": "5"},
    {"o": "-status_date", "v": "2020-05-22", "i": True},
    {"o": "-status_date", "v": "not a date", "i": 5},
    {"o": "-status_date", "v": "2020-05-22"},
    ["-status_date", "2020-05-22", 5],
])
def test_tampered_cursors_are_400_naming_the_cursor(client, payload):
    ordering = payload["o"] if isinstance(payload, dict) else "-status_date"
    response = client.get(LIST, {"cursor": cursor(payload), "ordering": ordering})
    assert response.status_code == 400 and "cursor" in response.json()


def test_theme_filter_takes_instances_slugs_and_unknown_slugs(mixed):
    dated, undated = mixed
    five_g, ai = factories.theme(slug="5g"), factories.theme(slug="ai")
    Proposal.objects.get(pk=dated[0]).themes.add(five_g)
    Proposal.objects.get(pk=undated[0]).themes.add(ai)

    with CaptureQueriesContext(connection) as captured:
        by_instance = Proposal.objects.filter_by(theme=five_g)
    assert len(captured) == 0  # an instance already carries its id
    assert list(by_instance.values_list("pk", flat=True)) == [dated[0]]
    assert set(Proposal.objects.filter_by(theme=["5g", ai]).values_list("pk", flat=True)) == {dated[0], undated[0]}
    assert list(Proposal.objects.filter_by(theme="no-such-theme")) == []


@pytest.mark.parametrize("ordering", ["-status_date", "status_date"])
def test_a_themes_walk_gives_every_proposal_once_in_order_across_pages(client, mixed, ordering):
    five_g = factories.theme(slug="5g")
    for proposal in Proposal.objects.all():
        proposal.themes.add(five_g)
    seen, _queries = walk(client, {"theme": "5g", "ordering": ordering, "page_size": 2})
    assert seen == expected_order(ordering.startswith("-"))


def test_theme_filter_reads_theme_ids_without_joining_themes():
    five_g, ai = factories.theme(slug="5g"), factories.theme(slug="ai")
    one = str(Proposal.objects.filter_by(theme="5g").query)
    assert '"proposals_theme"' not in one.replace('"proposals_theme".', "")
    assert f'"proposals_themewalk"."theme_id" = {five_g.pk}' in one  # one theme: its walk rows, joined
    several = str(Proposal.objects.filter_by(theme=["5g", "ai"]).query)
    assert '"proposals_theme"' not in several.replace('"proposals_theme".', "")
    assert f"theme_id\" IN ({five_g.pk}, {ai.pk})" in several or f"theme_id\" IN ({ai.pk}, {five_g.pk})" in several


def test_a_themes_walk_rows_follow_links_and_status_dates_whatever_writes_them(mixed):
    """The triggers: an added or removed link, a status recorded, a bulk update, a proposal or theme deleted."""
    five_g = factories.theme(slug="5g")
    first, second = (Proposal.objects.get(pk=pk) for pk in mixed[0][:2])

    def walk():
        return sorted(ThemeWalk.objects.filter(theme=five_g).values_list("proposal_id", "status_date"))

    first.themes.add(five_g)
    Proposal.themes.through.objects.bulk_create([Proposal.themes.through(proposal=second, theme=five_g)])
    assert walk() == sorted([(first.pk, first.status_date), (second.pk, second.status_date)])
    record_status(first, date=datetime.date(2024, 3, 9), status=Status.FILED, source=factories.source())
    Proposal.objects.filter(pk=second.pk).update(status_date=datetime.date(2023, 1, 2))
    assert walk() == sorted([(first.pk, datetime.date(2024, 3, 9)), (second.pk, datetime.date(2023, 1, 2))])
    first.themes.remove(five_g)
    second.delete()
    assert walk() == []
    first.themes.add(five_g)
    five_g.delete()
    assert ThemeWalk.objects.count() == Proposal.themes.through.objects.count()


def test_api_theme_filter_reads_the_themes_once(client, mixed):
    dated, _undated = mixed
    five_g = factories.theme(slug="5g")
    Proposal.objects.get(pk=dated[0]).themes.add(five_g)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, {"theme": "5g"})
    assert [row["id"] for row in response.json()["results"]] == [dated[0]]
    theme_reads = [q["sql"] for q in captured.captured_queries if 'FROM "proposals_theme"' in q["sql"]]
    assert len(theme_reads) == 1  # the check that the slug exists, which also yields the id


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_walk_query_is_served_by_the_walk_index_without_a_sort(mixed):
    """The COALESCE the walk sorts on must be the very expression the model indexes, or every page sorts."""
    ordering = orderings("status_date", nullable=("status_date",))["-status_date"]
    captured_sql = []

    def fetch(sliced):
        captured_sql.append(sliced.query.sql_with_params())
        return list(sliced)

    def plan(queryset):
        captured_sql.clear()
        keyset_page(queryset, ordering, Position(datetime.date(2030, 1, 1), 10**9), 3, fetch=fetch,
                    key=lambda row: (row.status_date, row.id))
        sql, params = captured_sql[0]
        with connection.cursor() as cursor_:
            cursor_.execute("SET LOCAL enable_seqscan = off")
            cursor_.execute("SET LOCAL enable_sort = off")
            cursor_.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor_.fetchall())

    every = plan(Proposal.objects.filter_by(status=Status.FILED))
    assert "proposal_status_walk_idx" in every and "Sort" not in every, every
    one_theme = plan(Proposal.objects.filter_by(theme=factories.theme()))  # in order off the theme's walk rows
    assert "theme_walk_idx" in one_theme and "Sort" not in one_theme, one_theme


def test_keyset_pagination_follows_drfs_pagination_contract(mixed):
    """paginate_queryset(queryset, request, view) gives the page's rows; get_paginated_response wraps them."""
    class View:  # only what the paginator asks of a view; rows stay model instances by default
        orderings = orderings("id")
        default_ordering = "-id"

    paginator = KeysetPagination()
    request = Request(APIRequestFactory().get(LIST, {"page_size": 4}))
    rows = paginator.paginate_queryset(Proposal.objects.all(), request, view=View())

    assert all(isinstance(row, Proposal) for row in rows)
    assert [row.id for row in rows] == sorted(Proposal.objects.values_list("id", flat=True), reverse=True)[:4]
    body = paginator.get_paginated_response([row.id for row in rows]).data
    assert body["results"] == [row.id for row in rows] and "cursor=" in body["next"]
