"""Hot paths keep a fixed number of queries however many rows they show, and cached reads need only the version."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.lifecycle import Status
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db


def make_proposals(count, theme):
    session = factories.session(opened_on=datetime.date(2020, 5, 22))
    cited = factories.source()
    for _ in range(count):
        proposal = factories.proposal(session=session, themes=[theme], sponsors=[factories.delegate()])
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=cited)


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/proposals/", "/api/v1/proposals/?theme={theme}", "/proposals/"])
def test_list_queries_do_not_grow_with_the_rows_shown(client, url):
    theme = factories.theme()
    make_proposals(3, theme)
    few = queries_for(client, url.format(theme=theme.slug))
    make_proposals(30, theme)
    assert queries_for(client, url.format(theme=theme.slug)) == few


def test_a_cached_api_page_and_a_304_cost_one_query(client, settings):
    settings.RESPONSE_CACHE = True
    make_proposals(5, factories.theme())
    first = client.get("/api/v1/proposals/")
    assert queries_for(client, "/api/v1/proposals/") == 1
    with CaptureQueriesContext(connection) as captured:
        revalidated = client.get("/api/v1/proposals/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304 and len(captured.captured_queries) == 1
