"""`include=` embeds what a proposal points at, at a query count the page size does not change; `fields=` trims."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from proposals.api.embedding import INCLUDES
from proposals.lifecycle import Status
from proposals.models import ProposalSource
from proposals.services import record_status
from tracker.caching import VERSION_READ, clear_cache

from . import factories

API = "/api/v1/proposals/"
COMBINATIONS = [",".join(chosen) for size in range(len(INCLUDES) + 1)
                for chosen in itertools.combinations(INCLUDES, size)]
# The page's ids, their tags (tracker.caching.proposal_pieces), the rows of items not kept (PostgreSQL: one
# query with array columns; elsewhere three), the last change for Last-Modified; and one per included kind.
BASE_QUERIES = {"postgresql": 4}.get(connection.vendor, 6)


@pytest.fixture(scope="module")
def world(module_db):
    cited = factories.source()
    themes = [factories.theme() for _ in range(3)]
    proposals = []
    for n in range(24):
        proposal = factories.proposal(themes=themes[: n % 3 + 1], sponsors=[factories.delegate(),
                                                                             factories.delegate()])
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=cited)
        ProposalSource.objects.create(proposal=proposal, source=cited)
        if proposals:
            proposal.related.add(proposals[-1])
        proposals.append(proposal)
    return {"proposals": [p.pk for p in proposals]}


def data_queries(url, params):
    clear_cache()  # no item kept from an earlier request: the most a page reads
    with CaptureQueriesContext(connection) as captured:
        response = APIClient().get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len([q for q in captured.captured_queries if not q["sql"].startswith(VERSION_READ)]), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("include", COMBINATIONS)
def test_query_count_is_constant_in_page_size_for_every_combination(world, include, django_assert_max_num_queries):
    kinds = len([part for part in include.split(",") if part])
    allowed = BASE_QUERIES + kinds + 1  # + the data version read for the validators
    with django_assert_max_num_queries(allowed):
        APIClient().get(API, {"include": include, "page_size": 20})
    small, _ = data_queries(API, {"include": include, "page_size": 3})
    large, page = data_queries(API, {"include": include, "page_size": 20})
    assert small == large == BASE_QUERIES + kinds
    embedded = {kind for kind in INCLUDES if kind != "timeline" and kind in include.split(",")}
    for item in page["results"]:
        assert set(item.get("embedded", {})) == embedded
        assert ("timeline" in item) == ("timeline" in include.split(","))


@pytest.mark.django_db
@pytest.mark.parametrize("include", COMBINATIONS)
def test_a_detail_embeds_the_same_at_a_bounded_count(world, include, django_assert_max_num_queries):
    kinds = len([part for part in include.split(",") if part and part != "timeline"])
    with django_assert_max_num_queries(8 + kinds):  # the object, its row with timeline, sources, related, validators
        response = APIClient().get(f"{API}{world['proposals'][5]}/", {"include": include})
    assert response.status_code == 200
    assert set(response.json().get("embedded", {})) == {kind for kind in include.split(",")
                                                         if kind and kind != "timeline"}


@pytest.mark.django_db
def test_embedded_objects_carry_ids_slugs_and_names(world):
    page = APIClient().get(API, {"include": "sponsors,themes,session,sources,related", "page_size": 50}).json()
    item = next(row for row in page["results"] if row["id"] == world["proposals"][5])
    embedded = item["embedded"]
    assert [sponsor["lead"] for sponsor in embedded["sponsors"]] == [True, False]
    assert {"id", "slug", "url", "name_en", "name_zh", "name_pinyin"} <= set(embedded["sponsors"][0])
    assert [theme["url"] for theme in embedded["themes"]] == item["themes"]
    assert embedded["session"]["url"] == item["session"] and embedded["session"]["id"]
    assert embedded["sources"][0]["title"] and embedded["related"][0]["id"] == world["proposals"][4]


@pytest.mark.django_db
def test_fields_trim_lists_and_details_and_unknown_values_are_named(world):
    client = APIClient()
    page = client.get(API, {"fields": "id,title_en,status", "page_size": 5}).json()
    assert all(set(item) == {"id", "title_en", "status"} for item in page["results"]) and page["next"]
    walked = client.get(page["next"]).json()["results"]
    assert walked and set(walked[0]) == {"id", "title_en", "status"}
    detail = client.get(f"{API}{world['proposals'][0]}/", {"fields": "id,embedded", "include": "themes"})
    assert set(detail.json()) == {"id", "embedded"}
    plain = client.get(f"{API}{world['proposals'][0]}/")
    assert plain["ETag"] != detail["ETag"]
    assert client.get(f"{API}{world['proposals'][0]}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 200
    bad = client.get(API, {"include": "sponsor", "fields": "titel"})
    assert bad.status_code == 400 and set(bad.json()) == {"include", "fields"}
    assert "sponsor" in bad.json()["include"][0]


@pytest.mark.django_db
def test_an_etag_read_with_include_is_good_for_if_match(world):
    from rest_framework.authtoken.models import Token

    editor = APIClient()
    editor.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.editor()).key}")
    url = f"{API}{world['proposals'][0]}/"
    etag = editor.get(url, {"include": "themes,sponsors"})["ETag"]
    assert editor.patch(url, {"number": "1234"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert editor.patch(url, {"number": "1235"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
