"""The response cache survives editing: a save to one proposal leaves the other proposals' pages cached, and no
reader, right after any save, gets a status older than it (tracker/caching.py's tags)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

STEPS = [(Status.FILED, False), (Status.REFERRED, True)]  # True: to an authority, as lead handler


@pytest.fixture
def proposals(settings):
    settings.RESPONSE_CACHE = True
    source = factories.source()
    made = []
    for _ in range(3):
        proposal = factories.proposal()
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=source)
        made.append(proposal)
    return made, source


def page_of(proposal):
    return proposal.get_absolute_url()


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def test_a_save_to_one_proposal_leaves_the_other_pages_cached(client, proposals):
    (saved, other, _third), source = proposals
    for url in (page_of(saved), page_of(other), f"/api/v1/proposals/{other.pk}/", "/api/v1/proposals/"):
        client.get(url)
        assert queries(client, url)[0] == 1  # a hit: the tags' check only

    record_status(saved, date=datetime.date(2020, 6, 1), status=Status.FILED, source=source)

    assert queries(client, page_of(other))[0] == 1
    assert queries(client, f"/api/v1/proposals/{other.pk}/")[0] == 1
    assert queries(client, page_of(saved))[0] > 1  # computed again
    assert queries(client, "/api/v1/proposals/")[0] > 1  # every list shows the saved proposal's new status


def test_a_page_that_links_a_proposal_shows_its_new_status(client, proposals):
    (saved, linking, _third), source = proposals
    linking.related.add(saved)
    client.get(page_of(linking))
    record_status(saved, date=datetime.date(2020, 6, 1), status=Status.FILED, source=source)
    assert queries(client, page_of(linking))[0] > 1


def test_no_read_right_after_a_save_shows_an_older_status(client, proposals):
    (saved, *_others), source = proposals
    authority = factories.authority()
    urls = ["/", "/proposals/", page_of(saved), f"/api/v1/proposals/{saved.pk}/", "/api/v1/proposals/"]
    for day, (status, extra) in enumerate(STEPS, start=1):
        for url in urls:
            client.get(url)  # cached before the save
        record_status(saved, date=datetime.date(2020, 6, day), status=status, source=source,
                      **({"authority": authority, "handling_role": HandlingRole.LEAD} if extra else {}))
        assert client.get(f"/api/v1/proposals/{saved.pk}/").json()["status"] == status
        listed = {row["id"]: row["status"] for row in client.get("/api/v1/proposals/").json()["results"]}
        assert listed[saved.pk] == status
        label = str(Status(status).label)
        assert label in client.get(page_of(saved)).content.decode()


def theme_counting(captured):
    return [query for query in captured.captured_queries if "proposals_theme" in query["sql"] and "COUNT" in
            query["sql"].upper()]


def test_the_home_pages_counts_survive_a_status_save_and_follow_a_new_proposal(client, proposals, settings):
    settings.RESPONSE_CACHE = False  # the page's own pieces, not the whole response
    made, source = proposals
    theme = factories.theme(slug="5g", name_en="5G")
    made[0].themes.add(theme)
    client.get("/")
    record_status(made[0], date=datetime.date(2020, 7, 1), status=Status.FILED, source=source)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/").content.decode()
    assert not theme_counting(captured)  # a status save: the counts per theme and session are kept
    assert "3 proposals tracked" in page and "Filed or merged" in page  # the statuses are not
    factories.proposal(themes=[theme])
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/").content.decode()
    assert theme_counting(captured) and "4 proposals tracked" in page
    assert '<span class="count">2</span>' in page.split(">5G</a>")[1][:100]
