"""The resources around proposals, status-event filters, CSV export, and bounded queries on every list."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from proposals.api import export
from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status
from tracker.caching import VERSION_READ

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def cited():
    return factories.source(title="Tech founders at the Two Sessions")


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_root_lists_every_resource_and_the_docs(client):
    root = client.get("/api/v1/").json()
    assert {"proposals", "status-events", "delegates", "companies", "sessions", "bodies", "themes", "authorities",
            "sources", "schema", "docs"} <= set(root)


def test_reference_resources_list_and_detail(client, cited):
    person = factories.delegate(slug="lei-jun", name_zh="雷军")
    xiaomi = factories.company(slug="xiaomi")
    factories.affiliation(delegate=person, company=xiaomi)
    factories.membership(delegate=person)
    session = factories.session(slug="npc-2020")
    factories.theme(slug="5g", parent=factories.theme(slug="telecom"))
    ministry = factories.authority(slug="miit")

    for path, key in [("delegates", "lei-jun"), ("companies", "xiaomi"), ("sessions", "npc-2020"),
                      ("bodies", "npc"), ("themes", "5g"), ("authorities", "miit"), ("sources", cited.pk)]:
        listed = results(client.get(f"/api/v1/{path}/"))
        detail = client.get(f"/api/v1/{path}/{key}/")
        assert detail.status_code == 200 and detail["ETag"], path
        assert detail.json() in listed, path

    delegate = client.get("/api/v1/delegates/lei-jun/").json()
    assert delegate["name_zh"] == "雷军" and delegate["affiliations"][0]["company"].endswith("/companies/xiaomi/")
    assert delegate["proposals"] == "http://testserver/api/v1/proposals/?delegate=lei-jun"
    assert client.get("/api/v1/themes/5g/").json()["parent"].endswith("/themes/telecom/")
    assert client.get("/api/v1/sessions/npc-2020/").json()["body"].endswith("/bodies/npc/")
    assert client.get(f"/api/v1/sources/{cited.pk}/").json()["source_url"] == cited.url
    assert session and ministry


def test_theme_link_leads_to_its_proposals(client):
    theme = factories.theme(slug="ai")
    on_theme = factories.proposal(themes=[theme])
    factories.proposal()

    link = client.get("/api/v1/themes/ai/").json()["proposals"]
    assert [row["id"] for row in results(client.get(link))] == [on_theme.pk]


def test_session_and_delegate_filters(client):
    npc, cppcc = factories.body(slug="npc"), factories.body(slug="cppcc", kind="conference")
    npc_session = factories.session(body=npc, year=2020)
    factories.session(body=cppcc, opened_on=D(2021, 3, 4))
    deputy, member = factories.delegate(), factories.delegate()
    factories.membership(delegate=deputy, body=npc)
    factories.affiliation(delegate=member, company=factories.company(slug="baidu"))

    assert [s["slug"] for s in results(client.get("/api/v1/sessions/", {"body": "npc"}))] == [npc_session.slug]
    assert [s["slug"] for s in results(client.get("/api/v1/sessions/", {"year": 2021}))] != [npc_session.slug]
    assert [d["slug"] for d in results(client.get("/api/v1/delegates/", {"body": "npc"}))] == [deputy.slug]
    assert [d["slug"] for d in results(client.get("/api/v1/delegates/", {"company": "baidu"}))] == [member.slug]
    assert client.get("/api/v1/delegates/", {"company": "nope"}).status_code == 400
    assert client.get("/api/v1/sessions/", {"year": "soon"}).status_code == 400


def test_status_event_filters_and_sync(client, cited):
    ministry = factories.authority(slug="ndrc")
    proposal = factories.proposal()
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    referral = record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited,
                             authority=ministry, handling_role=HandlingRole.LEAD)
    other = factories.proposal()
    record_status(other, date=D(2020, 5, 23), status=Status.SUBMITTED, source=cited)

    def event_ids(**query):
        return [row["id"] for row in results(client.get("/api/v1/status-events/", query))]

    assert event_ids(authority="ndrc") == [referral.pk]
    assert event_ids(status="referred") == [referral.pk]
    assert len(event_ids(proposal=proposal.pk)) == 2
    assert event_ids(date_after="2020-06-01") == [referral.pk]
    assert len(event_ids(date_before="2020-05-22")) == 1
    assert event_ids(updated_since=referral.updated_at.isoformat())[0] == referral.pk
    assert client.get("/api/v1/status-events/", {"status": "approved"}).status_code == 400
    assert client.get(f"/api/v1/status-events/{referral.pk}/").json() == results(
        client.get("/api/v1/status-events/", {"authority": "ndrc"}))[0]


@pytest.mark.parametrize("path", ["delegates", "companies", "sessions", "themes", "status-events", "sources"])
def test_list_queries_are_bounded(client, cited, path):
    def make(n):
        for _ in range(n):
            person = factories.delegate()
            factories.membership(delegate=person)
            factories.affiliation(delegate=person)
            proposal = factories.proposal(sponsors=[person], themes=[factories.theme(parent=factories.theme())])
            record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/{path}/", {"page_size": 100}).status_code == 200
        return len([q for q in captured.captured_queries if not q["sql"].startswith(VERSION_READ)])

    make(3)
    few = count()
    make(12)
    assert count() == few <= 4  # the page (and its prefetches), and Last-Modified's latest change


def test_csv_export_streams_in_chunks_and_disarms_formulas(client, cited, monkeypatch):
    theme = factories.theme(slug="5g")
    wanted = [factories.proposal(themes=[theme], title_en=f"Proposal {n}") for n in range(7)]
    wanted[0].title_en = "=HYPERLINK(\"http://evil\")"
    wanted[0].save()
    factories.proposal()  # not on the theme
    monkeypatch.setattr(export, "CHUNK_SIZE", 3)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/proposals/export/", {"theme": "5g"})
        assert response.streaming and response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")  # the byte-order mark Excel needs

    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(int(row["id"]) for row in rows) == sorted(p.pk for p in wanted)
    assert {row["themes"] for row in rows} == {"5g"}
    first = next(row for row in rows if int(row["id"]) == wanted[0].pk)
    assert first["title_en"].startswith("'=")
    page_queries = [q for q in captured.captured_queries if "proposals_proposal" in q["sql"] and "LIMIT" in q["sql"]]
    assert len(page_queries) >= 3  # 7 rows in chunks of 3: never the whole list at once
    assert client.get("/api/v1/proposals/export/", {"theme": "nope"}).status_code == 400


@pytest.mark.parametrize("path", ["delegates", "sources", "themes"])
def test_reference_lists_page_through_every_row(client, path):
    for _ in range(5):
        factories.delegate(), factories.source(), factories.theme()
    seen, url, params = [], f"/api/v1/{path}/", {"page_size": 2}
    while url:
        body = client.get(url, params).json()
        seen += [row["url"] for row in body["results"]]
        url, params = body["next"], None
    assert len(seen) == len(set(seen)) == 5


def test_post_to_an_unknown_address_is_a_json_404():
    response = APIClient(enforce_csrf_checks=True).post("/api/v1/proposals//status-events/", {}, format="json")
    assert response.status_code == 404 and "detail" in response.json()
