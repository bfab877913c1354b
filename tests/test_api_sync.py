"""What a mirror needs: the deletions feed, id listings, updated_since everywhere, strict instants, validators."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from proposals import deletions, services
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Deletion, Proposal

from . import factories

pytestmark = pytest.mark.django_db
API = "/api/v1"
D = datetime.date


@pytest.fixture
def cited():
    return factories.source()


def feed(client, **params):
    """Every row of the deletions feed, following `next`."""
    url, rows = f"{API}/deletions/", []
    while url:
        page = client.get(url, params).json()
        params = None
        rows += page["results"]
        url = page["next"]
    return rows


def removed(client, **params):
    return {(row["type"], row["id"]) for row in feed(client, **params)}


def delete(client, url):
    return client.delete(url, HTTP_IF_MATCH=client.get(url)["ETag"])


def test_deleting_a_proposal_an_event_and_a_theme_puts_each_on_the_feed(editor, cited):
    start = timezone.now()
    theme, gone, kept = factories.theme(), factories.proposal(), factories.proposal()
    event = services.record_status(kept, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    doomed_event = services.record_status(gone, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)

    assert delete(editor, f"{API}/proposals/{gone.pk}/").status_code == 204
    assert delete(editor, f"{API}/status-events/{event.pk}/").status_code == 204
    assert delete(editor, f"{API}/themes/{theme.slug}/").status_code == 204

    rows = feed(APIClient(), since=start.isoformat())
    assert {(row["type"], row["id"]) for row in rows} == {
        ("proposal", gone.pk), ("statusevent", doomed_event.pk), ("statusevent", event.pk), ("theme", theme.pk)}
    assert {row["slug"] for row in rows if row["type"] == "theme"} == {theme.slug}
    assert all(row["reason"] == "deleted" and row["deleted_at"].endswith("Z") for row in rows)
    assert removed(APIClient(), type="theme") == {("theme", theme.pk)}


def test_the_feed_is_keyset_paged_oldest_first():
    now = timezone.now()
    Deletion.objects.bulk_create([Deletion(type="source", object_id=n, deleted_at=now + datetime.timedelta(
        seconds=n % 3)) for n in range(1, 8)])
    client, url, seen = APIClient(), f"{API}/deletions/?page_size=3", []
    while url:
        page = client.get(url).json()
        seen += [(row["deleted_at"], row["id"]) for row in page["results"]]
        url = page["next"]
    assert len(seen) == 7 and seen == sorted(seen, key=lambda pair: pair[0])


def test_a_draft_leaves_like_a_deletion_and_comes_back_when_published(cited):
    proposal = factories.proposal()
    event = services.record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    client = APIClient()
    services.unpublish(proposal)
    assert removed(client) == {("proposal", proposal.pk), ("statusevent", event.pk)}
    assert {row["reason"] for row in feed(client)} == {"unpublished"}
    assert client.get(f"{API}/proposals/{proposal.pk}/").status_code == 404

    since = timezone.now().isoformat()
    services.publish(Proposal.objects.get(pk=proposal.pk))
    assert removed(client) == set()
    assert [row["id"] for row in client.get(f"{API}/proposals/", {"updated_since": since}).json()["results"]] == [
        proposal.pk]
    assert [row["id"] for row in client.get(f"{API}/status-events/", {"updated_since": since}).json()["results"]] \
        == [event.pk]


def test_a_step_taken_back_to_draft_leaves_the_feed_of_events(editor, cited):
    proposal = factories.proposal()
    services.record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    filed = services.record_status(proposal, date=D(2020, 6, 1), status=Status.FILED, source=cited)
    services.change_status_event(filed, published=False)
    assert removed(APIClient()) == {("statusevent", filed.pk)}
    services.change_status_event(filed, published=True)
    assert removed(APIClient()) == set()


def test_a_deleted_draft_never_reaches_the_feed():
    draft = factories.proposal(published=False)
    draft.delete()
    assert removed(APIClient()) == set()


def test_since_must_be_within_the_kept_days_and_carry_an_offset():
    client = APIClient()
    old = (timezone.now() - datetime.timedelta(days=91)).isoformat()
    response = client.get(f"{API}/deletions/", {"since": old})
    assert response.status_code == 400 and "90 days" in response.json()["since"][0]
    naive = client.get(f"{API}/deletions/", {"since": "2026-12-01T08:34:00"})
    assert naive.status_code == 400 and "offset or Z" in naive.json()["since"][0]


def test_prune_keeps_ninety_days(settings):
    settings.API_DELETIONS_DAYS = 30  # below the floor: 90 days all the same
    now = timezone.now()
    Deletion.objects.create(type="theme", object_id=1, deleted_at=now - datetime.timedelta(days=89))
    Deletion.objects.create(type="theme", object_id=2, deleted_at=now - datetime.timedelta(days=91))
    assert deletions.prune(now) == 1
    assert list(Deletion.objects.values_list("object_id", flat=True)) == [1]


@pytest.mark.parametrize("path", ["proposals", "status-events", "themes", "sessions", "authorities", "sources",
                                  "delegates", "companies", "bodies"])
def test_naive_updated_since_is_refused_everywhere(path):
    response = APIClient().get(f"{API}/{path}/", {"updated_since": "2026-12-01T08:34:00"})
    assert response.status_code == 400
    assert "offset or Z" in response.json()["updated_since"][0]
    date_only = APIClient().get(f"{API}/{path}/", {"updated_since": "2026-12-01"})
    assert date_only.status_code == 400


@pytest.mark.parametrize("make,path,change", [
    (factories.theme, "themes", lambda theme: setattr(theme, "name_en", "Renamed")),
    (factories.authority, "authorities", lambda record: setattr(record, "name_en", "Renamed")),
    (factories.session, "sessions", lambda record: setattr(record, "name_en", "Renamed")),
    (factories.delegate, "delegates", lambda record: setattr(record, "bio", "New bio")),
    (factories.company, "companies", lambda record: setattr(record, "sector", "Robots")),
    (factories.source, "sources", lambda record: setattr(record, "title", "Renamed")),
])
def test_reference_records_sync_on_updated_at(make, path, change):
    unchanged, changed = make(), make()
    since = timezone.now()
    change(changed)
    changed.save()
    rows = APIClient().get(f"{API}/{path}/", {"updated_since": since.isoformat()}).json()["results"]
    assert [row["updated_at"] for row in rows] and len(rows) == 1
    assert rows[0]["url"].rstrip("/").endswith(str(getattr(changed, "slug", changed.pk)))
    assert unchanged.pk != changed.pk


def test_a_new_seat_or_position_moves_its_delegate_and_company():
    person, firm = factories.delegate(), factories.company()
    since = timezone.now()
    factories.affiliation(delegate=person, company=firm)
    client = APIClient()
    assert [row["slug"] for row in client.get(f"{API}/delegates/", {"updated_since": since.isoformat()}).json()[
        "results"]] == [person.slug]
    assert [row["slug"] for row in client.get(f"{API}/companies/", {"updated_since": since.isoformat()}).json()[
        "results"]] == [firm.slug]


def test_an_edited_event_and_the_referral_a_reply_settles_come_back_in_updated_since(editor, cited):
    proposal = factories.proposal()
    ministry = factories.authority()
    services.record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    referral = services.record_status(proposal, date=D(2020, 6, 1), status=Status.REFERRED, source=cited,
                                      authority=ministry, handling_role=HandlingRole.LEAD)
    since = timezone.now().isoformat()
    url = f"{API}/status-events/{referral.pk}/"
    assert editor.patch(url, {"note": "Edited."}, format="json",
                        HTTP_IF_MATCH=editor.get(url)["ETag"]).status_code == 200
    client = APIClient()
    assert [row["id"] for row in client.get(f"{API}/status-events/", {"updated_since": since}).json()[
        "results"]] == [referral.pk]

    since = timezone.now().isoformat()
    reply = services.record_status(proposal, date=D(2020, 7, 1), status=Status.REPLIED, source=cited,
                                   authority=ministry, reply_grade="B")
    synced = client.get(f"{API}/status-events/", {"updated_since": since}).json()["results"]
    assert {row["id"] for row in synced} == {referral.pk, reply.pk}
    assert next(row for row in synced if row["id"] == referral.pk)["reply_settled_by"].endswith(f"/{reply.pk}/")


def test_delegates_and_companies_are_found_by_any_name():
    lei = factories.delegate(name_en="Lei Jun", name_zh="雷军", name_pinyin="Léi Jūn")
    factories.delegate(name_en="Robin Li", name_zh="李彦宏", name_pinyin="Lǐ Yànhóng")
    xiaomi = factories.company(name_en="Xiaomi", name_zh="小米")
    client = APIClient()
    for text in ("leijun", "Lei Jun", "雷军", "jun"):
        found = client.get(f"{API}/delegates/", {"q": text}).json()["results"]
        assert [row["slug"] for row in found] == [lei.slug], text
    for text in ("xiaomi", "小米", "Xiao"):
        assert [row["slug"] for row in client.get(f"{API}/companies/", {"q": text}).json()["results"]] == [
            xiaomi.slug], text
    assert client.get(f"{API}/delegates/", {"q": "x" * 201}).status_code == 400


def test_id_listings_cover_what_the_list_shows():
    shown, hidden = factories.proposal(), factories.proposal(published=False)
    response = APIClient().get(f"{API}/proposals/ids/")
    assert response.status_code == 200 and response.json() == {"ids": [shown.pk]} and hidden.pk
    theme = factories.theme()
    assert APIClient().get(f"{API}/themes/ids/").json() == {"ids": [theme.pk]}
    etag = response["ETag"]
    assert APIClient().get(f"{API}/proposals/ids/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_delegate_and_company_details_carry_last_modified(monkeypatch):
    person, firm = factories.delegate(), factories.company()
    later = timezone.now() + datetime.timedelta(seconds=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    for url in (f"{API}/delegates/{person.slug}/", f"{API}/companies/{firm.slug}/"):
        response = APIClient().get(url)
        assert response.status_code == 200 and response["Last-Modified"], url
        assert APIClient().get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_the_export_carries_an_etag_and_answers_304(settings):
    settings.RESPONSE_CACHE = False
    factories.proposal()
    client = APIClient()
    first = client.get(f"{API}/proposals/export/")
    assert first.status_code == 200 and first["ETag"]
    assert client.get(f"{API}/proposals/export/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    factories.proposal()
    assert client.get(f"{API}/proposals/export/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_prune_command_reports_what_it_forgot():
    from io import StringIO

    from django.core.management import call_command

    Deletion.objects.create(type="theme", object_id=3, deleted_at=timezone.now() - datetime.timedelta(days=400))
    out = StringIO()
    call_command("prune_deletions", stdout=out)
    assert "Forgot 1 deletions older than 90 days." in out.getvalue()


def synced_proposals(since):
    rows = APIClient().get(f"{API}/proposals/", {"updated_since": since.isoformat()}).json()["results"]
    return {row["id"] for row in rows}


def test_what_a_proposal_shows_by_link_moves_it_when_it_changes_slug_or_goes(editor):
    theme, other = factories.theme(slug="old-slug"), factories.theme()
    on_theme, elsewhere = factories.proposal(themes=[theme]), factories.proposal(themes=[other])
    since = timezone.now()
    theme.slug = "new-slug"
    theme.save()
    assert synced_proposals(since) == {on_theme.pk}
    since = timezone.now()
    assert delete(editor, f"{API}/themes/{other.slug}/").status_code == 204
    assert synced_proposals(since) == {elsewhere.pk}


def test_relating_two_proposals_moves_both(editor):
    one, two, bystander = factories.proposal(), factories.proposal(), factories.proposal()
    since = timezone.now()
    url = f"{API}/proposals/{one.pk}/"
    assert editor.patch(url, {"related": [two.pk]}, format="json",
                        HTTP_IF_MATCH=editor.get(url)["ETag"]).status_code == 200
    assert synced_proposals(since) == {one.pk, two.pk}
    since = timezone.now()
    assert delete(editor, url).status_code == 204
    assert synced_proposals(since) == {two.pk} and bystander.pk
