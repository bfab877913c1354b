"""Writes that say what they did: unknown and read-only fields refused, a proposal created with its first steps,
any relation by slug or id, errors that name the value, one flat error shape."""

import pytest
from rest_framework.test import APIClient

from proposals.models import Proposal

from . import factories

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world():
    session = factories.session()
    return {"session": session, "theme": factories.theme(), "delegate": factories.seated_delegate(session),
            "source": factories.source(), "authority": factories.authority()}


def new_proposal(world, **fields):
    return {"title_en": "Satellite internet in the plan", "summary": "Put it in the 14th Five-Year Plan.",
            "session": world["session"].slug, "themes": [world["theme"].slug],
            "sponsors": [world["delegate"].slug], **fields}


def patch(client, url, body):
    return client.patch(url, body, format="json", HTTP_IF_MATCH=client.get(url)["ETag"])


def test_unknown_and_read_only_fields_are_refused_by_name(editor, world):
    proposal = factories.proposal(session=world["session"])
    url = f"{API}/proposals/{proposal.pk}/"
    response = patch(editor, url, {"titel_en": "Typo", "status": "adopted", "title_en": "Kept?"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"titel_en", "status"}
    assert "Unknown field" in body["titel_en"][0] and "title_en" in body["titel_en"][0]
    assert "read-only" in body["status"][0]
    assert Proposal.objects.get(pk=proposal.pk).title_en == proposal.title_en  # nothing written

    theme_url = f"{API}/themes/{world['theme'].slug}/"
    refused = patch(editor, theme_url, {"proposals": "x", "nmae_en": "y"})
    assert refused.status_code == 400 and set(refused.json()) == {"proposals", "nmae_en"}


def test_a_proposal_is_created_with_its_first_steps_in_one_request(editor, world):
    source = world["source"].pk
    timeline = [{"date": "2020-05-22", "status": "submitted", "source": source},
                {"date": "2020-06-10", "status": "filed", "source": source, "note": "Accepted."}]
    response = editor.post(f"{API}/proposals/", new_proposal(world, timeline=timeline, published=True),
                           format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "filed" and [step["status"] for step in created["timeline"]] == ["submitted",
                                                                                                "filed"]
    assert APIClient().get(created["url"]).json()["timeline"][1]["note"] == "Accepted."


def test_an_impossible_first_timeline_creates_nothing(editor, world):
    before = Proposal.objects.count()
    timeline = [{"date": "2020-05-22", "status": "submitted", "source": world["source"].pk},
                {"date": "2020-07-01", "status": "replied", "source": world["source"].pk,
                 "authority": world["authority"].slug, "reply_grade": "B"}]
    response = editor.post(f"{API}/proposals/", new_proposal(world, timeline=timeline), format="json")
    assert response.status_code == 400
    assert "timeline" in response.json() and "referr" in " ".join(response.json()["timeline"]).lower()
    assert Proposal.objects.count() == before

    bad_step = editor.post(f"{API}/proposals/", new_proposal(world, timeline=[{"date": "2020-05-22",
                                                                               "status": "nope", "source": 1}]),
                           format="json")
    assert bad_step.status_code == 400 and "timeline.0.status" in bad_step.json()
    assert Proposal.objects.count() == before


def test_an_existing_timeline_is_not_replaced_through_the_proposal(editor, world):
    proposal = factories.proposal(session=world["session"])
    response = patch(editor, f"{API}/proposals/{proposal.pk}/", {"timeline": []})
    assert response.status_code == 400 and "read-only" in response.json()["timeline"][0]


def test_every_relation_takes_a_slug_or_an_id(editor, world):
    by_id = new_proposal(world, session=world["session"].pk, themes=[world["theme"].pk],
                         sponsors=[world["delegate"].pk])
    response = editor.post(f"{API}/proposals/", by_id, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["session"].endswith(f"/sessions/{world['session'].slug}/")
    assert body["themes"][0].endswith(f"/themes/{world['theme'].slug}/")
    child = editor.post(f"{API}/themes/", {"slug": "child", "name_en": "Child", "parent": world["theme"].pk},
                        format="json")
    assert child.status_code == 201 and child.json()["parent"].endswith(f"/{world['theme'].slug}/")
    assert child.json()["id"]


def test_errors_name_the_value_and_share_one_flat_shape(editor, world):
    response = editor.post(f"{API}/proposals/", new_proposal(
        world, session="npc-2030", themes=["no-such-theme"], sponsors=[world["delegate"].slug, "nobody"]),
        format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["session"] == ["No session npc-2030."]
    assert body["themes"] == ["No theme no-such-theme."]
    assert body["sponsors.1"] == ["No delegate nobody."]
    assert all(isinstance(messages, list) and all(isinstance(m, str) for m in messages)
               for messages in body.values())
