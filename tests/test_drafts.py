"""Drafts: editors see them where they work, readers never do (every page, feed, API list and detail, export),
and publishing is an explicit, recorded act."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, StatusEvent
from proposals.services import publish, record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date
DRAFT_TITLE = "Secret draft about quantum networks"
DRAFT_STEP_NOTE = "Referred, not yet public"


@pytest.fixture
def world():
    session = factories.session(slug="npc-2020", opened_on=D(2020, 5, 22))
    theme = factories.theme(slug="5g", name_en="5G")
    company = factories.company(slug="xiaomi")
    person = factories.seated_delegate(session, slug="lei-jun", name_en="Lei Jun")
    factories.affiliation(delegate=person, company=company)
    ministry = factories.authority(slug="miit", name_en="Ministry of Industry")
    cited = factories.source()
    public = factories.proposal(session=session, themes=[theme], sponsors=[person], title_en="Public satellite plan")
    record_status(public, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    draft_step = record_status(public, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                               handling_role=HandlingRole.LEAD, note=DRAFT_STEP_NOTE, published=False)
    draft = factories.proposal(session=session, themes=[theme], sponsors=[person], title_en=DRAFT_TITLE,
                               published=False)
    record_status(draft, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(draft, date=D(2020, 7, 2), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    return {"public": Proposal.objects.get(pk=public.pk), "draft": Proposal.objects.get(pk=draft.pk),
            "draft_step": draft_step, "theme": theme, "person": person, "company": company, "ministry": ministry,
            "session": session}


PAGES = ["/", "/themes/", "/themes/5g/", "/proposals/", "/proposals/?q=quantum", "/proposals/?theme=5g",
         "/proposals/?delegate=lei-jun", "/proposals/?company=xiaomi", "/proposals/?status=referred", "/sessions/",
         "/sessions/npc-2020/", "/authorities/", "/authorities/miit/", "/delegates/", "/delegates/lei-jun/",
         "/companies/", "/companies/xiaomi/", "/proposals/feed/", "/themes/5g/feed/", "/delegates/lei-jun/feed/",
         "/companies/xiaomi/feed/"]


@pytest.mark.parametrize("url", PAGES)
def test_no_public_page_or_feed_shows_a_draft(client, world, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert DRAFT_TITLE not in text and DRAFT_STEP_NOTE not in text and "Quantum" not in text


def test_counts_leave_drafts_out(client, world):
    """The draft is overdue (referred 2020-07-02, never answered); the public one's referral is a draft."""
    home = client.get("/").content.decode()
    assert "1 proposal tracked" in home and "overdue" not in home
    authorities = client.get("/authorities/").content.decode()
    assert '<strong class="overdue">' not in authorities
    theme = client.get("/themes/").content.decode()
    assert "2 proposals" not in theme


def test_a_draft_proposal_is_not_found_by_readers(client, world):
    draft = world["draft"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("proposals:proposal_by_id", args=[draft.pk])).status_code == 404
    assert client.get(reverse("proposals:feed_proposal", args=[draft.pk])).status_code == 404


def test_a_draft_step_changes_nothing_readers_see(client, world):
    public = world["public"]
    assert (public.status, public.reply_due_on) == (Status.SUBMITTED, None)  # the draft referral owes nothing yet
    page = client.get(public.get_absolute_url()).content.decode()
    assert DRAFT_STEP_NOTE not in page and "Ministry of Industry" not in page
    feed = client.get(reverse("proposals:feed_proposal", args=[public.pk])).content.decode()
    assert DRAFT_STEP_NOTE not in feed


@pytest.mark.parametrize("url", ["/api/v1/proposals/", "/api/v1/proposals/?include=timeline",
                                 "/api/v1/proposals/?theme=5g", "/api/v1/status-events/",
                                 "/api/v1/status-events/?authority=miit", "/api/v1/proposals/export/"])
def test_the_public_api_and_export_show_no_draft(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert DRAFT_TITLE.encode() not in body and DRAFT_STEP_NOTE.encode() not in body


def test_api_details_of_drafts_are_not_found(client, world):
    assert client.get(f"/api/v1/proposals/{world['draft'].pk}/").status_code == 404
    assert client.get(f"/api/v1/status-events/{world['draft_step'].pk}/").status_code == 404
    detail = client.get(f"/api/v1/proposals/{world['public'].pk}/").json()
    assert [step["status"] for step in detail["timeline"]] == ["submitted"]
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get("/api/v1/proposals/export/").streaming_content)
                                           .decode())))
    assert [row["title_en"] for row in rows] == ["Public satellite plan"]


def test_editors_see_drafts_where_they_work(editor_client, world):
    changelist = editor_client.get(reverse("admin:proposals_proposal_changelist")).content.decode()
    assert DRAFT_TITLE in changelist and "draft" in changelist
    page = editor_client.get(world["draft"].get_absolute_url())
    assert page.status_code == 200 and "Draft: only editors see this proposal" in page.content.decode()
    public_page = editor_client.get(world["public"].get_absolute_url()).content.decode()
    assert DRAFT_STEP_NOTE in public_page and 'class="draft-badge"' in public_page


def test_publishing_is_one_button_and_the_history_says_who_and_when(editor_client, client, world):
    draft = world["draft"]
    response = editor_client.post(reverse("admin:proposals_proposal_changelist"), {
        "action": "publish_selected", "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published and draft.published_at is not None
    latest = Proposal.history.filter(id=draft.pk).latest()
    assert latest.published and latest.history_user.username == "editor"
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_published_steps_must_make_a_possible_timeline_alone(world):
    public, ministry = world["public"], world["ministry"]
    with pytest.raises(ValidationError, match="Among the published steps: .*a reply needs an earlier referral"):
        record_status(public, date=D(2020, 9, 1), status=Status.REPLIED, source=factories.source(),
                      authority=ministry)
    assert not StatusEvent.objects.filter(status=Status.REPLIED).exists()


def test_a_new_proposal_from_the_admin_or_the_api_is_a_draft_until_published(editor_client, world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(factories.editor("api-editor"))
    created = api.post("/api/v1/proposals/", {"title_en": "From a script", "summary": "S.",
                                              "session": "npc-2020"}, format="json")
    assert created.status_code == 201
    proposal = Proposal.objects.get(title_en="From a script")
    assert not proposal.published
    publish(proposal)
    assert Proposal.objects.published().filter(pk=proposal.pk).exists()
