"""What changed, and by whom: one history list for a proposal's fields, timeline, sponsors and sources."""

import datetime

import pytest
from django.urls import reverse

from proposals.lifecycle import Status
from proposals.models import Proposal
from proposals.services import delete_status_event, record_status

from . import factories
from .test_admin import event_row, existing_proposal_form, proposal_form

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def session():
    return factories.session(opened_on=D(2020, 5, 22))


def history_page(client, proposal):
    response = client.get(reverse("admin:proposals_proposal_history", args=[proposal.pk]))
    assert response.status_code == 200
    return response


def test_one_save_writes_one_history_row_with_the_status_after_it(editor_client, session):
    lead, report = factories.seated_delegate(session, name_en="Lei Jun"), factories.source()
    rows = [event_row(D(2020, 5, 22), Status.SUBMITTED, report), event_row(D(2020, 6, 10), Status.FILED, report)]
    assert editor_client.post(reverse("admin:proposals_proposal_add"),
                              proposal_form(session, sponsors=[lead], events=rows)).status_code == 302
    proposal = Proposal.objects.get()
    records = list(Proposal.history.filter(id=proposal.pk))
    assert [(record.history_type, record.status) for record in records] == [("+", Status.FILED)]
    assert records[0].history_user.username == "editor"


def test_the_history_lists_timeline_sponsor_and_field_changes_together(editor_client, session):
    lead, report = factories.seated_delegate(session, name_en="Lei Jun"), factories.source()
    assert editor_client.post(reverse("admin:proposals_proposal_add"), proposal_form(
        session, sponsors=[lead], events=[event_row(D(2020, 5, 22), Status.SUBMITTED, report)])).status_code == 302
    proposal = Proposal.objects.get()
    submitted = proposal.status_events.get()
    assert editor_client.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), existing_proposal_form(
        proposal, events=[(submitted, {})], new_events=[event_row(D(2020, 6, 10), Status.FILED, report)],
        title_en="Disaster warning on every phone")).status_code == 302
    entries = history_page(editor_client, proposal).context["entries"]
    parts = [(entry.part, entry.action) for entry in entries]
    assert ("timeline", "added") in parts and ("sponsors", "added") in parts and ("proposal", "changed") in parts
    changed = next(entry for entry in entries if entry.part == "proposal" and entry.action == "changed")
    assert any(line.startswith("title (English): ") and line.endswith("→ Disaster warning on every phone")
               for line in changed.changes)
    assert changed.status_after == "Filed"
    filed = next(entry for entry in entries if entry.part == "timeline" and "Filed" in entry.summary)
    assert filed.who.username == "editor"


def test_a_deleted_step_is_listed_with_a_link_to_its_record(editor_client, session):
    proposal = factories.proposal(session=session)
    cited = factories.source()
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    filed = record_status(proposal, date=D(2020, 6, 10), status=Status.FILED, source=cited)
    delete_status_event(filed)
    entries = history_page(editor_client, proposal).context["entries"]
    deleted = next(entry for entry in entries if entry.action == "deleted")
    assert "Filed 2020-06-10" in deleted.summary
    assert editor_client.get(deleted.link).status_code == 200


def test_a_revert_says_plainly_what_it_restores(editor_client, session):
    proposal = factories.proposal(session=session, title_en="First title")
    proposal.title_en = "Second title"
    proposal.save()
    first = Proposal.history.filter(id=proposal.pk).earliest()
    page = editor_client.get(reverse("admin:proposals_proposal_simple_history", args=[proposal.pk, first.history_id]))
    assert "It does not change its timeline, sponsors or sources" in page.content.decode()
