"""The editors' desk: the admin's front page lists what needs doing, each row leading to the record-a-step form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals import desk, synthetic
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, StatusEvent
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def seeded():
    scale = synthetic.Scale(proposals=300, delegates=40, companies=5, sources=6, batch=150)
    synthetic.Seeder(scale, seed=11, today=timezone.localdate(), stderr=open("/dev/null", "w")).run()


def test_the_desk_lists_agree_with_the_stored_debts(seeded):
    today = timezone.localdate()
    overdue = desk.overdue_replies(today)
    assert overdue.total == StatusEvent.objects.published().overdue(today).count() > 0
    names = [(event.reply_owed_by.name_en, event.reply_due_on) for event in overdue.rows]
    assert names == sorted(names)  # by authority, oldest first
    soon = desk.replies_due_soon(today)
    assert all(today <= event.reply_due_on <= today + datetime.timedelta(days=14) and event.reply_owed
               for event in soon.rows)


def test_the_front_page_is_the_desk_with_a_link_to_record_a_step(editor_client):
    session = factories.session(opened_on=D(2020, 5, 22))
    late = factories.proposal(session=session, title_en="Late reply proposal")
    cited, ministry = factories.source(), factories.authority(name_en="Ministry of Late Replies")
    record_status(late, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(late, date=D(2020, 6, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    single = factories.proposal(session=session, title_en="Only the first report")
    record_status(single, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    factories.proposal(session=session, title_en="A waiting draft", published=False)
    page = editor_client.get(reverse("admin:index"))
    text = page.content.decode()
    assert "Editors&#x27; desk" in text or "Editors' desk" in text
    context = page.context["desk"]
    assert [event.proposal for event in context["overdue"].rows] == [Proposal.objects.get(pk=late.pk)]
    assert [proposal.title_en for proposal in context["drafts"].rows] == ["A waiting draft"]
    assert "Only the first report" in [proposal.title_en for proposal in context["single_report"].rows]
    assert "Late reply proposal" not in [proposal.title_en for proposal in context["single_report"].rows]
    assert reverse("admin:proposals_proposal_record_step", args=[late.pk]) in text
    assert [kind for _when, kind, _record in context["own_changes"]] == []  # the editor has changed nothing yet


def test_the_desk_lists_the_editors_own_changes(editor_client):
    proposal = factories.proposal(session=factories.session(opened_on=D(2020, 5, 22)))
    editor_client.post(reverse("admin:proposals_proposal_record_step", args=[proposal.pk]), {
        "source_choice": "existing", "source": factories.source().pk, "status": Status.SUBMITTED,
        "date": "2020-05-22", "published": "on", "referrals-TOTAL_FORMS": "0", "referrals-INITIAL_FORMS": "0"})
    changes = editor_client.get(reverse("admin:index")).context["desk"]["own_changes"]
    assert changes and changes[0][1] in {"proposal", "step"}
