"""The similar-proposals API: the documented shape, ranked by score, drafts never listed, bad input refused."""

import datetime

import pytest
from rest_framework.test import APIClient

from proposals.meaning import index, store
from proposals.models import Proposal

from . import factories
from .test_api_schema import check

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def proposals():
    index.forget()
    sessions = [factories.session(opened_on=D(2020, 5, 22)), factories.session(opened_on=D(2021, 3, 5))]
    made = {
        "satellite": factories.proposal(session=sessions[0], title_en="Satellite internet in the five-year plan",
                                        summary_en="Streamline frequency applications for satellite networks."),
        "again": factories.proposal(session=sessions[1], title_en="Grow the satellite internet industry",
                                    title_zh="加快卫星互联网产业发展", summary_en="Fund private satellite firms.",
                                    summary_zh="设立政府基金支持民营卫星企业。"),
        "coding": factories.proposal(session=sessions[1], title_en="Coding in the national curriculum",
                                     summary_en="Teach programming in schools."),
        "draft": factories.proposal(session=sessions[1], title_en="Satellite internet in the five-year plan",
                                    summary_en="Streamline frequency applications.", published=False),
    }
    store.write_vectors(store.stale_rows(Proposal.objects.all()))
    yield made
    index.forget()


def results(response):
    return [(item["proposal"]["id"], item["score"]) for item in response.json()["results"]]


def test_similar_to_text_ranks_by_score_in_the_documented_shape(schema, proposals):
    response = APIClient().get("/api/v1/proposals/similar/", {"text": "卫星互联网", "limit": 2})
    check(schema, response, "/api/v1/proposals/similar/", "get", 200)
    found = results(response)
    assert len(found) == 2
    assert {pk for pk, _score in found} == {proposals["satellite"].pk, proposals["again"].pk}
    assert found[0][1] >= found[1][1]
    first = response.json()["results"][0]["proposal"]
    assert {"id", "slug", "title_en", "title_zh", "session", "url"} <= set(first)


def test_similar_to_a_proposal_leaves_it_out_and_never_lists_drafts(schema, proposals):
    url = f"/api/v1/proposals/{proposals['satellite'].pk}/similar/"
    response = APIClient().get(url)
    check(schema, response, "/api/v1/proposals/{id}/similar/", "get", 200)
    ids = [pk for pk, _score in results(response)]
    assert ids[0] == proposals["again"].pk
    assert proposals["satellite"].pk not in ids and proposals["draft"].pk not in ids
    text = APIClient().get("/api/v1/proposals/similar/", {"text": "satellite internet five-year plan", "limit": 50})
    assert proposals["draft"].pk not in [pk for pk, _score in results(text)]


def test_a_draft_has_no_similar_page(schema, proposals):
    response = APIClient().get(f"/api/v1/proposals/{proposals['draft'].pk}/similar/")
    check(schema, response, "/api/v1/proposals/{id}/similar/", "get", 404)


@pytest.mark.parametrize("query", [{}, {"text": "  "}, {"text": "x", "limit": "0"}, {"text": "x", "limit": "a"},
                                   {"text": "x", "limit": "51"}, {"text": "x", "theme": "5g"}])
def test_bad_input_is_a_400_naming_the_parameter(schema, proposals, query):
    response = APIClient().get("/api/v1/proposals/similar/", query)
    check(schema, response, "/api/v1/proposals/similar/", "get", 400)


def test_the_operations_are_in_the_schema(schema):
    for path in ("/api/v1/proposals/similar/", "/api/v1/proposals/{id}/similar/"):
        operation = schema["paths"][path]["get"]
        assert "200" in operation["responses"] and "400" in operation["responses"]
