"""The proposal list and detail: representation, filters, paging, query counts, conditional GET."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from proposals.api import representations
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal
from proposals.services import record_status
from tracker.caching import VERSION_READ, clear_cache

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date
OPENING = D(2020, 5, 22)
LIST = "/api/v1/proposals/"


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def cited():
    return factories.source()


def submitted(proposal, cited, day=OPENING):
    record_status(proposal, date=day, status=Status.SUBMITTED, source=cited)
    proposal.refresh_from_db()
    return proposal


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_item_links_to_session_themes_and_sponsors(client, cited):
    five_g = factories.theme(slug="5g")
    lead, cosigner = factories.delegate(slug="lei-jun"), factories.delegate(slug="zhou-hongyi")
    proposal = submitted(factories.proposal(themes=[five_g], sponsors=[lead, cosigner]), cited)

    row = client.get(LIST).json()["results"][0]

    base = "http://testserver/api/v1/"
    assert row["url"] == f"{base}proposals/{proposal.pk}/" == "http://testserver" + reverse(
        "api:proposal-detail", args=[proposal.pk])
    assert row["session"] == "http://testserver" + reverse("api:session-detail", args=[proposal.session.slug])
    assert row["themes"] == ["http://testserver" + reverse("api:theme-detail", args=["5g"])]
    assert row["sponsors"] == [f"{base}delegates/lei-jun/", f"{base}delegates/zhou-hongyi/"]
    assert row["lead_sponsor"] == f"{base}delegates/lei-jun/"
    assert row["status"] == "submitted" and row["status_date"] == "2020-05-22"
    assert "timeline" not in row


def test_detail_carries_the_full_timeline_in_order(client, cited):
    ministry = factories.authority(slug="miit")
    proposal = submitted(factories.proposal(), cited)
    record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)

    body = client.get(f"{LIST}{proposal.pk}/").json()

    assert [event["status"] for event in body["timeline"]] == ["submitted", "referred"]
    assert body["timeline"][1]["authority"] == "http://testserver/api/v1/authorities/miit/"
    assert body["status"] == "referred" and body["reply_due_on"] == "2020-10-01"
    assert body["sources"] == [] and body["related"] == []


def test_include_timeline_on_the_list(client, cited):
    first = submitted(factories.proposal(), cited)
    factories.proposal()  # no timeline yet

    rows = client.get(LIST, {"include": "timeline"}).json()["results"]

    timelines = {row["id"]: [event["status"] for event in row["timeline"]] for row in rows}
    assert timelines[first.pk] == ["submitted"]
    assert sorted(len(events) for events in timelines.values()) == [0, 1]


@pytest.mark.parametrize(
    "parameter", ["theme", "session", "body", "delegate", "company", "status", "kind"]
)
def test_each_filter_selects_and_rejects_unknown_values(client, cited, parameter):
    npc = factories.body(slug="npc")
    cppcc = factories.body(slug="cppcc", kind="conference")
    wanted_person, other_person = factories.delegate(), factories.delegate()
    employer = factories.company(slug="xiaomi")
    factories.affiliation(delegate=wanted_person, company=employer)
    wanted = factories.proposal(
        session=factories.session(body=npc, slug="npc-2020"), themes=[factories.theme(slug="ai")],
        sponsors=[wanted_person], kind=Proposal.Kind.NPC_SUGGESTION,
    )
    submitted(wanted, cited)
    factories.proposal(session=factories.session(body=cppcc), sponsors=[other_person],
                       kind=Proposal.Kind.CPPCC_PROPOSAL)
    value = {"theme": "ai", "session": "npc-2020", "body": "npc", "delegate": wanted_person.slug,
             "company": "xiaomi", "status": "submitted", "kind": "npc_suggestion"}[parameter]

    assert ids(client.get(LIST, {parameter: value})) == [wanted.pk]
    refused = client.get(LIST, {parameter: "no-such-thing"})
    assert refused.status_code == 400
    assert parameter in refused.json()


def test_several_values_are_alternatives(client):
    a, b = factories.theme(slug="a"), factories.theme(slug="b")
    first, second = factories.proposal(themes=[a]), factories.proposal(themes=[b])
    factories.proposal()

    assert sorted(ids(client.get(LIST, {"theme": "a,b"}))) == sorted([first.pk, second.pk])
    assert sorted(ids(client.get(f"{LIST}?theme=a&theme=b"))) == sorted([first.pk, second.pk])


def test_date_ranges_of_submission_and_of_status(client, cited):
    early = submitted(factories.proposal(), cited, D(2020, 5, 22))
    late = submitted(factories.proposal(), cited, D(2020, 5, 25))

    assert ids(client.get(LIST, {"submitted_after": "2020-05-23"})) == [late.pk]
    assert ids(client.get(LIST, {"submitted_before": "2020-05-22"})) == [early.pk]
    assert ids(client.get(LIST, {"status_after": "2020-05-25", "status_before": "2020-05-25"})) == [late.pk]
    malformed = client.get(LIST, {"status_after": "25 May"})
    assert malformed.status_code == 400 and "status_after" in malformed.json()


def test_text_search(client):
    wanted = factories.proposal(title_en="Satellite internet in the five-year plan")
    factories.proposal(title_en="Coding in schools")

    assert ids(client.get(LIST, {"q": "satellite"})) == [wanted.pk]


def test_unknown_parameter_and_bad_paging_values_are_400_naming_them(client):
    for query, name in [({"them": "5g"}, "them"), ({"page_size": "0"}, "page_size"),
                        ({"page_size": "abc"}, "page_size"), ({"ordering": "title"}, "ordering"),
                        ({"cursor": "garbage"}, "cursor"), ({"include": "everything"}, "include")]:
        response = client.get(LIST, query)
        assert response.status_code == 400, query
        assert name in response.json(), query


def test_cursor_of_another_ordering_is_refused(client):
    factories.proposal(), factories.proposal()
    next_link = client.get(LIST, {"page_size": 1}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]

    response = client.get(LIST, {"page_size": 1, "cursor": cursor, "ordering": "id"})
    assert response.status_code == 400 and "cursor" in response.json()


def walk(client, query):
    seen, url, pages = [], LIST, 0
    params = dict(query)
    while url:
        response = client.get(url, params)
        params = None  # the next link carries every parameter
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        yield seen, pages


def test_walk_covers_rows_with_and_without_status_once_each(client, cited):
    with_status = [submitted(factories.proposal(), cited, D(2020, 5, 22 + n % 3)) for n in range(7)]
    without = [factories.proposal() for _ in range(4)]

    *_, (seen, pages) = walk(client, {"page_size": 3})

    assert sorted(seen) == sorted(p.pk for p in with_status + without)
    assert len(seen) == len(set(seen)) and pages == 4
    # Latest status first, then the proposals with no status yet.
    dated = [Proposal.objects.get(pk=pk).status_date for pk in seen[:7]]
    assert dated == sorted(dated, reverse=True) and set(seen[7:]) == {p.pk for p in without}
    ascending = list(walk(client, {"page_size": 4, "ordering": "status_date"}))[-1][0]
    assert set(ascending[:4]) == {p.pk for p in without} and sorted(ascending) == sorted(seen)


def test_walk_is_stable_while_rows_are_inserted(client, cited):
    originals = [submitted(factories.proposal(), cited, D(2020, 5, 22 + n % 4)) for n in range(12)]

    seen = []
    for seen, _pages in walk(client, {"page_size": 5}):  # noqa: B007 (the last value is the whole walk)
        # Newer proposals arrive between pages; they sort before the cursor and never shift what is left.
        submitted(factories.proposal(), cited, D(2020, 5, 26))

    assert sorted(seen) == sorted(p.pk for p in originals)
    assert len(seen) == len(set(seen))


def test_sync_walk_sees_every_change_and_edited_rows_again(client, cited):
    rows = [factories.proposal() for _ in range(6)]
    start = min(p.updated_at for p in rows).isoformat()
    edited = None

    for seen, pages in walk(client, {"updated_since": start, "page_size": 2}):
        if pages == 1:
            edited = seen[0]  # already received; edited now, it must come again at the end
            submitted(Proposal.objects.get(pk=edited), cited)
            late = factories.proposal()

    assert set(seen) == {p.pk for p in rows} | {late.pk}
    assert seen.count(edited) == 2 and seen[-1] in (edited, late.pk)


def test_updated_since_keeps_only_later_changes_and_its_own_order(client, cited):
    old = factories.proposal()
    Proposal.objects.filter(pk=old.pk).update(updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    recent = factories.proposal()

    assert ids(client.get(LIST, {"updated_since": "2024-01-01T00:00:00Z"})) == [recent.pk]
    refused = client.get(LIST, {"updated_since": "2024-01-01T00:00:00Z", "ordering": "-status_date"})
    assert refused.status_code == 400 and "ordering" in refused.json()
    assert client.get(LIST, {"updated_since": "yesterday"}).status_code == 400


def expected_list_queries():
    # The page's ids and their tags; the rows of the items not kept, one query on PostgreSQL (array subqueries),
    # themes and sponsors batched elsewhere; and one for Last-Modified (the table's latest change or deletion).
    return 2 + (1 if connection.vendor == "postgresql" else 3) + 1


def data_queries(client, *args, kept=False):
    """The queries a request runs for its data (the site's data-version read, for validators, aside); with no
    item kept from an earlier request unless `kept`."""
    if not kept:
        clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(*args)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(VERSION_READ)], response


def test_list_query_count_does_not_grow_with_rows(client, cited):
    themes = [factories.theme() for _ in range(3)]
    for _ in range(30):
        proposal = factories.proposal(themes=themes, sponsors=[factories.delegate(), factories.delegate()])
        submitted(proposal, cited)

    queries, response = data_queries(client, LIST, {"page_size": 25})
    assert len(queries) == expected_list_queries()
    assert len(response.json()["results"]) == 25
    queries, _response = data_queries(client, LIST, {"page_size": 25, "include": "timeline"})
    assert len(queries) == expected_list_queries() + 1
    queries, _response = data_queries(client, LIST, {"page_size": 25, "theme": themes[0].slug})
    assert len(queries) == expected_list_queries() + 1  # + checking that the theme exists
    assert "DISTINCT" not in queries[-1].upper() and "COUNT(" not in " ".join(queries).upper()


def test_a_list_read_again_reuses_its_items_and_rebuilds_only_a_saved_one(client, cited):
    proposals = [factories.proposal(themes=[factories.theme()], sponsors=[factories.delegate()]) for _ in range(5)]
    for proposal in proposals:
        submitted(proposal, cited)
    _queries, first = data_queries(client, LIST)
    queries, again = data_queries(client, LIST, kept=True)
    assert again.json() == first.json()
    assert len(queries) == 3  # the ids, their tags, Last-Modified: no row is read again
    record_status(proposals[2], date=datetime.date(2020, 6, 1), status=Status.FILED, source=cited)
    queries, after = data_queries(client, LIST, kept=True)
    changed = {item["id"]: item for item in after.json()["results"]}
    assert changed[proposals[2].pk]["status"] == Status.FILED
    rows_read = [sql for sql in queries if '"title_en"' in sql]
    assert len(rows_read) == 1 and str(proposals[2].pk) in rows_read[0]


@pytest.mark.parametrize("default_vendor, other_vendor", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_postgresql_array_columns_follow_the_querysets_database(monkeypatch, default_vendor, other_vendor):
    """The SQL is chosen for the database a queryset reads from (`.using()`, a router), not the default one."""
    vendors = {"default": SimpleNamespace(vendor=default_vendor), "reports": SimpleNamespace(vendor=other_vendor)}
    monkeypatch.setattr(representations, "connections", vendors, raising=False)
    on_reports = Proposal.objects.using("reports")

    with_arrays = "theme_slugs" in representations.proposal_values(on_reports).query.annotations
    assert with_arrays is (other_vendor == "postgresql")
    assert representations.has_array_columns(on_reports) is (other_vendor == "postgresql")
    assert representations.has_array_columns(Proposal.objects.all()) is (default_vendor == "postgresql")


def test_conditional_get_on_list_and_detail(client, cited):
    proposal = submitted(factories.proposal(), cited)

    listed = client.get(LIST)
    assert listed["ETag"]  # Last-Modified waits until the second of the last write is over (test_api_conditional)
    assert client.get(LIST, HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304
    assert client.get(LIST, {"page_size": 2}, HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200

    detail = client.get(f"{LIST}{proposal.pk}/")
    assert client.get(f"{LIST}{proposal.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304
    record_status(proposal, date=D(2020, 5, 28), status=Status.UNDER_REVIEW, source=cited)
    assert client.get(LIST, HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200
    changed = client.get(f"{LIST}{proposal.pk}/", HTTP_IF_NONE_MATCH=detail["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != detail["ETag"]


def test_not_modified_since_last_modified(client, cited):
    proposal = submitted(factories.proposal(), cited)
    # Changed a while ago (an UPDATE moves no data version): its Last-Modified is settled and sent.
    Proposal.objects.filter(pk=proposal.pk).update(updated_at=datetime.datetime(2024, 3, 5, 8, 0, tzinfo=datetime.UTC))
    detail = client.get(f"{LIST}{proposal.pk}/")
    assert detail["Last-Modified"] == "Tue, 05 Mar 2024 08:00:00 GMT"

    again = client.get(f"{LIST}{proposal.pk}/", HTTP_IF_MODIFIED_SINCE=detail["Last-Modified"])
    assert again.status_code == 304


def test_a_read_is_not_refused_for_write_preconditions(client, cited):
    """If-Match and If-Unmodified-Since guard writes (412 under the row lock); a GET answers in full."""
    proposal = submitted(factories.proposal(), cited)
    stale = {"HTTP_IF_MATCH": '"stale"', "HTTP_IF_UNMODIFIED_SINCE": "Tue, 01 Jan 2019 00:00:00 GMT"}

    assert client.get(LIST, **stale).status_code == 200
    assert client.get(f"{LIST}{proposal.pk}/", **stale).status_code == 200


def test_missing_proposal_and_unknown_address_are_json_404(client):
    for url in [f"{LIST}999999/", "/api/v1/no-such-resource/"]:
        response = client.get(url)
        assert response.status_code == 404 and "detail" in response.json()
