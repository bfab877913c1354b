"""No lost edit through the API: a write to a resource with an ETag needs If-Match (428 without it), and a
retried create under one Idempotency-Key makes one record and answers the first result again."""

import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from proposals.lifecycle import Status
from proposals.models import StatusEvent, Theme
from proposals.services import record_status
from tracker.api import idempotency

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def editor():
    return token_client(factories.editor())


@pytest.fixture
def world():
    cited = factories.source()
    session = factories.session(slug="npc-2020", opened_on=D(2020, 5, 22))
    proposal = factories.proposal(session=session)
    event = record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    factories.theme(slug="5g")
    factories.authority(slug="miit")
    person = factories.delegate(slug="lei-jun")
    factories.company(slug="xiaomi")
    return {"proposals": proposal.pk, "status-events": event.pk, "sessions": "npc-2020", "bodies": "npc",
            "themes": "5g", "authorities": "miit", "sources": cited.pk, "delegates": person.slug,
            "companies": "xiaomi", "cited": cited}


RESOURCES = ["proposals", "status-events", "sessions", "bodies", "themes", "authorities", "sources", "delegates",
             "companies"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_write_without_if_match_is_428_and_changes_nothing(editor, world, resource):
    url = f"/api/v1/{resource}/{world[resource]}/"
    before = editor.get(url)
    for response in (editor.patch(url, {}, format="json"), editor.put(url, before.json(), format="json"),
                     editor.delete(url)):
        assert response.status_code == 428, (url, response.status_code, response.content)
        assert response["Content-Type"] == "application/json" and "If-Match" in response.json()["detail"]
    assert editor.get(url).json() == before.json()


def test_recording_a_step_without_if_match_is_428(editor, world):
    url = f"/api/v1/proposals/{world['proposals']}/status-events/"
    response = editor.post(url, {"date": "2020-06-01", "status": "filed", "source": world["sources"]},
                           format="json")
    assert response.status_code == 428 and "If-Match" in response.json()["detail"]
    assert StatusEvent.objects.filter(proposal_id=world["proposals"]).count() == 1


def test_a_write_with_the_etag_just_read_goes_through(editor, world):
    url = f"/api/v1/themes/{world['themes']}/"
    etag = editor.get(url)["ETag"]
    assert editor.patch(url, {"name_en": "Fifth generation"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert editor.delete(url, HTTP_IF_MATCH=editor.get(url)["ETag"]).status_code == 204


def test_the_schema_documents_428_and_requires_if_match():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, method in [("/api/v1/proposals/{id}/", "patch"), ("/api/v1/proposals/{id}/", "put"),
                         ("/api/v1/proposals/{id}/", "delete"), ("/api/v1/proposals/{id}/status-events/", "post"),
                         ("/api/v1/themes/{slug}/", "delete")]:
        operation = schema["paths"][path][method]
        assert "428" in operation["responses"], (path, method)
        if_match = next(p for p in operation["parameters"] if p["name"] == "If-Match")
        assert if_match["required"] is True
    assert "428" in schema["info"]["description"] and "Idempotency-Key" in schema["info"]["description"]


def post_step(client, world, key, **changes):
    url = f"/api/v1/proposals/{world['proposals']}/status-events/"
    etag = client.get(f"/api/v1/proposals/{world['proposals']}/")["ETag"]
    payload = {"date": "2020-06-01", "status": "filed", "source": world["sources"], **changes}
    return client.post(url, payload, format="json", HTTP_IF_MATCH=etag, HTTP_IDEMPOTENCY_KEY=key)


def test_twenty_retries_of_a_step_under_one_key_make_one_event(editor, world):
    first = editor.post(
        f"/api/v1/proposals/{world['proposals']}/status-events/",
        {"date": "2020-06-01", "status": "filed", "source": world["sources"]}, format="json",
        HTTP_IF_MATCH=editor.get(f"/api/v1/proposals/{world['proposals']}/")["ETag"],
        HTTP_IDEMPOTENCY_KEY="step-1",
    )
    assert first.status_code == 201, first.content
    # The retries carry the If-Match the client had: the proposal's ETag from before its first attempt.
    retries = [editor.post(f"/api/v1/proposals/{world['proposals']}/status-events/",
                           {"date": "2020-06-01", "status": "filed", "source": world["sources"]}, format="json",
                           HTTP_IF_MATCH="\"stale\"", HTTP_IDEMPOTENCY_KEY="step-1") for _ in range(20)]
    assert {r.status_code for r in retries} == {201}
    assert all(r.json() == first.json() and r["Location"] == first["Location"] for r in retries)
    assert StatusEvent.objects.filter(proposal_id=world["proposals"], status=Status.FILED).count() == 1


def test_twenty_retries_of_a_create_make_one_theme(editor):
    responses = [editor.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="theme-ai") for _ in range(20)]
    assert {r.status_code for r in responses} == {201}
    assert responses[-1]["Idempotent-Replayed"] == "true"
    assert len({r.content for r in responses}) == 1 and Theme.objects.filter(slug="ai").count() == 1


def test_a_key_sent_with_another_body_is_422(editor, world):
    assert post_step(editor, world, "step-2").status_code == 201
    reused = post_step(editor, world, "step-2", note="Another request")
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["detail"]
    elsewhere = editor.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="step-2")
    assert elsewhere.status_code == 422


def test_keys_are_per_user_and_refused_answers_are_not_kept(world):
    alice, bob = token_client(factories.editor("alice")), token_client(factories.editor("bob"))
    assert alice.post("/api/v1/themes/", {"slug": "a", "name_en": "A"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert bob.post("/api/v1/themes/", {"slug": "b", "name_en": "B"}, format="json",
                    HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    refused = alice.post("/api/v1/themes/", {"slug": "5g", "name_en": "Again"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="k2")
    assert refused.status_code == 400
    corrected = alice.post("/api/v1/themes/", {"slug": "5g", "name_en": "Again"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k2")
    assert corrected.status_code == 400  # the same refusal, from a real second attempt
    assert set(Theme.objects.values_list("slug", flat=True)) == {"5g", "a", "b"}


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "two words"])
def test_a_malformed_key_is_a_400_naming_the_header(editor, key):
    response = editor.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json",
                           HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Theme.objects.filter(slug="ai").exists()


def test_keys_are_kept_at_least_a_day(editor, monkeypatch):
    kept = []
    # Patched on the class, not the shared cache object: undoing an instance patch would leave the original
    # bound method stuck on the object, hiding later class-level patches from other tests.
    backend = type(idempotency._cache())
    original = backend.set
    monkeypatch.setattr(backend, "set", lambda self, key, value, timeout=None, **kwargs: (
        kept.append(timeout), original(self, key, value, timeout, **kwargs)))
    assert editor.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, format="json",
                       HTTP_IDEMPOTENCY_KEY="kept").status_code == 201
    assert kept and max(kept) >= 24 * 3600  # the answer kept (the short one is the lock while it is written)
