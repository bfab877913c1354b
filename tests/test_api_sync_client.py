"""A sync client, played: a full walk, then edits, deletions, a new record and a draft on the server, then
incremental syncs (updated_since and the deletions feed) until the mirror equals the server exactly."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from proposals import services
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal

from . import factories

pytestmark = pytest.mark.django_db
API = "/api/v1"
LISTS = {  # the deletions feed's type -> the list
    "proposal": "proposals", "statusevent": "status-events", "theme": "themes", "session": "sessions",
    "body": "bodies", "authority": "authorities", "source": "sources", "delegate": "delegates",
    "company": "companies",
}
D = datetime.date


class Mirror:
    """What a client keeps: every record of every list by id, as the API last showed it."""

    def __init__(self, client):
        self.client, self.rows, self.requests = client, {type_: {} for type_ in LISTS}, 0

    def walk(self, path, params=None):
        url, found = f"{API}/{path}/", []
        while url:
            response = self.client.get(url, params)
            assert response.status_code == 200, response.content[:300]
            self.requests += 1
            page, params = response.json(), None
            found += page["results"]
            url = page["next"]
        return found

    def full_copy(self):
        for type_, path in LISTS.items():
            self.rows[type_] = {row["id"]: row for row in self.walk(path, {"page_size": 7})}

    def sync(self, since):
        """One incremental sync from `since`; returns how many rows it changed or removed."""
        moved = 0
        stamp = since.isoformat().replace("+00:00", "Z")
        for type_, path in LISTS.items():
            for row in self.walk(path, {"updated_since": stamp, "page_size": 3}):
                moved += self.rows[type_].get(row["id"]) != row
                self.rows[type_][row["id"]] = row
        for gone in self.walk("deletions", {"since": stamp, "page_size": 2}):
            moved += self.rows[gone["type"]].pop(gone["id"], None) is not None
        return moved

    def counts(self):
        return {type_: len(rows) for type_, rows in self.rows.items()}


def server_copy(client):
    truth = Mirror(client)
    truth.full_copy()
    return truth


def write(client, method, url, body=None):
    etag = client.get(url)["ETag"]
    response = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code in (200, 204), response.content[:300]
    return response


def build_server():
    session = factories.session(slug="npc-2020")
    cited, ministry = factories.source(), factories.authority(slug="miit")
    themes = [factories.theme(slug=f"theme-{n}") for n in range(4)]
    people = [factories.seated_delegate(session) for _ in range(5)]
    firm = factories.company()
    factories.affiliation(delegate=people[0], company=firm)
    proposals = []
    for n in range(12):
        proposal = factories.proposal(session=session, themes=themes[n % 3: n % 3 + 2],
                                      sponsors=people[n % 5: n % 5 + 2])
        services.record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
        if n % 3 == 0:
            services.record_status(proposal, date=D(2020, 6, 10), status=Status.REFERRED, source=cited,
                                   authority=ministry, handling_role=HandlingRole.LEAD)
        proposals.append(proposal)
    proposals[1].related.add(proposals[2])
    return {"session": session, "cited": cited, "ministry": ministry, "themes": themes, "people": people,
            "firm": firm, "proposals": proposals}


def test_a_mirror_converges_exactly_after_edits_deletions_new_records_and_drafts(editor, capsys):
    world = build_server()
    reader = APIClient()
    mirror = Mirror(reader)
    mirror.full_copy()
    assert mirror.rows == server_copy(reader).rows
    before = mirror.counts()
    # Clients are told to overlap a minute; here every write is seconds old, so that overlap would fetch
    # everything again and prove nothing: each sync starts exactly where the last one started.
    sync_started = timezone.now()

    proposals, themes, cited = world["proposals"], world["themes"], world["cited"]
    # Edits: a title, a theme's name, an event's note, a reply that settles a referral, a new position.
    write(editor, "patch", f"{API}/proposals/{proposals[4].pk}/", {"title_en": "Edited title"})
    write(editor, "patch", f"{API}/themes/{themes[3].slug}/", {"name_en": "Renamed theme"})
    submitted = proposals[5].status_events.get(status=Status.SUBMITTED)
    write(editor, "patch", f"{API}/status-events/{submitted.pk}/", {"note": "Handed in on the first day."})
    services.record_status(proposals[0], date=D(2020, 9, 1), status=Status.REPLIED, source=cited,
                           authority=world["ministry"], reply_grade="B")
    factories.affiliation(delegate=world["people"][1], company=world["firm"])
    # Deletions: a proposal (with its events, and the related link of another), an event, a theme on proposals.
    write(editor, "delete", f"{API}/proposals/{proposals[2].pk}/")
    referral = proposals[3].status_events.get(status=Status.REFERRED)
    write(editor, "delete", f"{API}/status-events/{referral.pk}/")
    write(editor, "delete", f"{API}/themes/{themes[1].slug}/")
    # A new record, published, with its first steps; a new draft; a published proposal taken back to draft.
    created = editor.post(f"{API}/proposals/", {
        "title_en": "A new one", "summary": "Fresh.", "session": "npc-2020", "themes": [themes[0].pk],
        "sponsors": [world["people"][0].slug], "published": True,
        "timeline": [{"date": "2020-05-23", "status": "submitted", "source": cited.pk}]}, format="json")
    assert created.status_code == 201, created.json()
    draft = editor.post(f"{API}/proposals/", {"title_en": "Not yet", "summary": "Draft.", "session": "npc-2020",
                                               "sponsors": [world["people"][0].slug]}, format="json")
    assert draft.status_code == 201
    write(editor, "patch", f"{API}/proposals/{proposals[6].pk}/", {"published": False})
    # A theme's slug changes: the proposals linking to it show a new address.
    write(editor, "patch", f"{API}/themes/{themes[0].slug}/", {"slug": "theme-zero"})

    passes, since = [], sync_started
    while True:
        started = timezone.now()
        passes.append(mirror.sync(since))
        since = started
        if passes[-1] == 0:
            break
        assert len(passes) < 5, passes
    server = server_copy(reader)
    assert mirror.rows == server.rows
    assert draft.json()["id"] not in mirror.rows["proposal"]
    assert Proposal.objects.filter(pk=proposals[6].pk, published=False).exists()

    after = mirror.counts()
    assert after == server.counts()
    assert after["proposal"] == before["proposal"] - 2 + 1  # one deleted, one to draft; one new
    assert after["theme"] == before["theme"] - 1
    with capsys.disabled():
        print(f"\nsync test: mirror {after} = server {server.counts()} after {len(passes)} incremental "
              f"passes {passes} (first copy {before})")
