"""Writes through the API: who may write, the lifecycle rules, If-Match (412), JSON errors, throttling."""

import datetime

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, Session, StatusEvent
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def editor_client():
    return token_client(factories.editor())


@pytest.fixture
def cited():
    return factories.source()


@pytest.fixture
def proposal(cited):
    created = factories.proposal()
    record_status(created, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    return created


def if_match(client, url):
    """The If-Match header of a write to `url`: the ETag of the resource as the client reads it now."""
    return {"HTTP_IF_MATCH": client.get(url)["ETag"]}


def record(client, proposal, payload):
    url = f"/api/v1/proposals/{proposal.pk}/"
    return client.post(f"{url}status-events/", payload, format="json", **if_match(client, url))


def steps(proposal):
    return list(proposal.status_events.order_by("date", "id").values_list("status", flat=True))


def test_editor_script_records_a_status_change_with_a_token(editor_client, proposal, cited):
    response = record(editor_client, proposal,
                      {"date": "2020-06-10", "status": "filed", "source": cited.pk, "note": "Accepted as a proposal."})

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "filed" and response["Location"] == response.json()["url"]
    assert steps(proposal) == ["submitted", "filed"]
    proposal.refresh_from_db()
    assert proposal.status == Status.FILED and proposal.status_date == D(2020, 6, 10)


def test_impossible_sequence_is_400_with_the_reason_and_writes_nothing(editor_client, proposal, cited):
    response = record(editor_client, proposal, {"date": "2020-06-10", "status": "replied", "source": cited.pk,
                                                "authority": factories.authority().slug})

    assert response.status_code == 400
    assert "referral" in str(response.json())
    assert steps(proposal) == ["submitted"]


def test_missing_fields_name_the_field(editor_client, proposal):
    response = record(editor_client, proposal, {"status": "filed"})
    assert response.status_code == 400 and {"date", "source"} <= set(response.json())


def test_anonymous_writes_are_401_and_non_editors_403(proposal, cited):
    url = f"/api/v1/proposals/{proposal.pk}/status-events/"
    payload = {"date": "2020-06-10", "status": "filed", "source": cited.pk}
    anonymous = APIClient().post(url, payload, format="json")
    assert anonymous.status_code == 401 and "detail" in anonymous.json()
    reader = token_client(User.objects.create_user("reader", password="x"))
    assert reader.post(url, payload, format="json").status_code == 403
    assert reader.patch(f"/api/v1/proposals/{proposal.pk}/", {"title_en": "X"}, format="json").status_code == 403
    assert reader.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
    assert steps(proposal) == ["submitted"]


def test_session_auth_for_the_browser(proposal, cited):
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(factories.editor())
    url = f"/api/v1/proposals/{proposal.pk}/"
    response = client.patch(url, {"number": "1234"}, format="json", **if_match(client, url))
    assert response.status_code == 200 and response.json()["number"] == "1234"


def test_stale_if_match_is_412_and_changes_nothing(editor_client, proposal, cited):
    url = f"/api/v1/proposals/{proposal.pk}/"
    etag = editor_client.get(url)["ETag"]
    # Someone else records a step in between.
    record_status(proposal, date=D(2020, 6, 1), status=Status.FILED, source=cited)

    patched = editor_client.patch(url, {"title_en": "Overwritten"}, format="json", HTTP_IF_MATCH=etag)
    recorded = editor_client.post(
        f"{url}status-events/", {"date": "2020-06-10", "status": "not_filed", "source": cited.pk},
        format="json", HTTP_IF_MATCH=etag,
    )
    deleted = editor_client.delete(url, HTTP_IF_MATCH=etag)

    assert patched.status_code == recorded.status_code == deleted.status_code == 412
    assert "detail" in patched.json()
    proposal.refresh_from_db()
    assert proposal.title_en != "Overwritten" and steps(proposal) == ["submitted", "filed"]


def test_current_if_match_writes_and_returns_the_new_etag(editor_client, proposal):
    url = f"/api/v1/proposals/{proposal.pk}/"
    etag = editor_client.get(url)["ETag"]

    response = editor_client.patch(url, {"title_en": "Satellite internet"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200 and response.json()["title_en"] == "Satellite internet"
    assert response["ETag"] != etag
    assert editor_client.patch(url, {"title_en": "Again"}, format="json", HTTP_IF_MATCH=etag).status_code == 412


def test_create_proposal_with_slugs_and_kind_rule(editor_client):
    session = factories.session(body=factories.body(slug="cppcc", kind="conference"))
    factories.theme(slug="5g")
    lead, cosigner = factories.seated_delegate(session), factories.seated_delegate(session)
    payload = {"title_en": "5G as a public utility", "summary": "Treat 5G like water and power.",
               "session": session.slug, "themes": ["5g"], "sponsors": [lead.slug, cosigner.slug],
               "kind": "cppcc_proposal"}

    created = editor_client.post("/api/v1/proposals/", payload, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["lead_sponsor"].endswith(f"/delegates/{lead.slug}/") and len(body["sponsors"]) == 2
    assert body["themes"][0].endswith("/themes/5g/") and body["timeline"] == []
    wrong_kind = editor_client.post("/api/v1/proposals/", {**payload, "kind": "npc_motion"}, format="json")
    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.json()
    unknown = editor_client.post("/api/v1/proposals/", {**payload, "themes": ["nope"]}, format="json")
    assert unknown.status_code == 400 and "themes" in unknown.json()
    assert Proposal.objects.count() == 1


def test_status_event_edit_and_delete_go_through_the_lifecycle(editor_client, proposal, cited):
    ministry = factories.authority()
    referral = record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited,
                             authority=ministry, handling_role=HandlingRole.LEAD)
    record_status(proposal, date=D(2020, 9, 1), status=Status.REPLIED, source=cited, authority=ministry)
    url = f"/api/v1/status-events/{referral.pk}/"

    # After the reply: impossible.
    moved = editor_client.patch(url, {"date": "2020-10-01"}, format="json", **if_match(editor_client, url))
    removed = editor_client.delete(url, **if_match(editor_client, url))  # the reply would lose its referral
    fixed = editor_client.patch(url, {"note": "Sent to the ministry."}, format="json",
                                **if_match(editor_client, url))

    assert moved.status_code == removed.status_code == 400
    assert fixed.status_code == 200 and fixed.json()["note"] == "Sent to the ministry."
    assert StatusEvent.objects.get(pk=referral.pk).date == D(2020, 7, 1)


def test_status_event_collection_create(editor_client, proposal, cited):
    response = editor_client.post(
        "/api/v1/status-events/",
        {"proposal": f"http://testserver/api/v1/proposals/{proposal.pk}/", "date": "2020-05-28",
         "status": "under_review", "source": f"http://testserver/api/v1/sources/{cited.pk}/"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert steps(proposal) == ["submitted", "under_review"]


def test_protected_delete_is_409_and_method_not_allowed_is_405(editor_client, proposal):
    session = Session.objects.get(pk=proposal.session_id)
    url = f"/api/v1/sessions/{session.slug}/"
    conflict = editor_client.delete(url, **if_match(editor_client, url))
    assert conflict.status_code == 409 and "detail" in conflict.json()
    not_allowed = editor_client.put("/api/v1/proposals/", {}, format="json")
    assert not_allowed.status_code == 405 and "detail" in not_allowed.json()


def test_throttled_clients_get_429_json(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    client = APIClient()
    codes = [client.get("/api/v1/themes/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    throttled = client.get("/api/v1/themes/")
    assert "detail" in throttled.json() and int(throttled["Retry-After"]) > 0
