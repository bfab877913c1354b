"""Every API list runs as many queries for a page of many rows as for a page of few.

Each list is measured twice: with a few rows, then with many, every related record new (a body, session,
themes, delegates, a company with an event, a source and an authority for each proposal), so a relation
read row by row (N+1) would show as more queries on the second page.
"""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from people.models import CompanyEvent
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Theme
from proposals.services import record_status
from tracker.caching import clear_cache

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date
FEW, MANY = 2, 15
_bodies = itertools.count(1)

LISTS = [
    ("/api/v1/proposals/", {}),
    ("/api/v1/proposals/", {"include": "timeline"}),
    ("/api/v1/proposals/", {"theme": "shared"}),
    ("/api/v1/proposals/", {"updated_since": "2000-01-01T00:00:00Z"}),
    ("/api/v1/status-events/", {}),
    ("/api/v1/sessions/", {}),
    ("/api/v1/bodies/", {}),
    ("/api/v1/themes/", {}),
    ("/api/v1/authorities/", {}),
    ("/api/v1/sources/", {}),
    ("/api/v1/delegates/", {}),
    ("/api/v1/companies/", {}),
]


def add_rows(count):
    """`count` proposals, each with related records of every kind of its own, and two timeline steps."""
    shared = Theme.objects.get_or_create(slug="shared", defaults={"name_en": "On every proposal"})[0]
    for _ in range(count):
        cited, ministry = factories.source(), factories.authority()
        person, employer = factories.delegate(), factories.company()
        body = factories.body(slug=f"body-{next(_bodies)}")
        factories.membership(delegate=person, body=body)
        factories.affiliation(delegate=person, company=employer)
        CompanyEvent.objects.create(company=employer, date=D(2020, 5, 1), title="Listed", source=cited)
        proposal = factories.proposal(
            session=factories.session(body=body), sponsors=[person, factories.delegate()],
            themes=[shared, factories.theme(parent=factories.theme())],
        )
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
        record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                      handling_role=HandlingRole.LEAD)


def page(client, path, query):
    """(queries run, rows shown) for one page holding every row, read with nothing kept from an earlier read."""
    clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {**query, "page_size": 500})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["next"] is None
    return len(captured.captured_queries), len(body["results"])


@pytest.mark.parametrize("path, query", LISTS, ids=[f"{path}?{query}" for path, query in LISTS])
def test_list_queries_do_not_grow_with_the_rows_on_the_page(path, query):
    client = APIClient()
    add_rows(FEW)
    few_queries, few_rows = page(client, path, query)
    add_rows(MANY - FEW)
    many_queries, many_rows = page(client, path, query)

    assert many_rows > few_rows > 0
    assert many_queries == few_queries, (few_queries, many_queries)
    # The data version, the page's ids and their tags, the rows of the items not kept, batched relations, a
    # filter's slug check.
    assert many_queries <= 8
