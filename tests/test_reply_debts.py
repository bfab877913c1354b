"""The reply-debt rule, decided once by the lifecycle and stored: every reader of deadlines agrees with it."""

import csv
import datetime
import io

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, StatusEvent
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def cited():
    return factories.source(title="Handling report")


@pytest.fixture
def ministry():
    return factories.authority(slug="miit", name_en="Ministry of Industry and Information Technology",
                               abbreviation="MIIT")


@pytest.fixture
def proposal():
    session = factories.session(opened_on=D(2020, 5, 22), closed_on=D(2020, 5, 28))
    return factories.proposal(session=session, title_en="Satellite internet in the plan")


def record(proposal, day, status, source, **details):
    return record_status(proposal, date=day, status=status, source=source, **details)


def rehandled(proposal, cited, ministry):
    """referred → replied → feedback (dissatisfied) → rehandling, the rehandling naming no authority."""
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    referral = record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry,
                      handling_role=HandlingRole.LEAD)
    reply = record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="C")
    record(proposal, D(2020, 8, 20), Status.FEEDBACK, cited, verdict="dissatisfied")
    rehandling = record(proposal, D(2020, 9, 1), Status.REHANDLING, cited)
    return referral, reply, rehandling


def stored(event):
    return StatusEvent.objects.get(pk=event.pk)


def test_a_rehandling_left_unanswered_is_overdue_everywhere(client, proposal, cited, ministry):
    referral, reply, rehandling = rehandled(proposal, cited, ministry)
    assert stored(referral).reply_settled_by_id == reply.pk
    owed = stored(rehandling)
    assert (owed.reply_due_on, owed.reply_owed_by_id, owed.reply_settled_by_id) == (D(2020, 10, 1), ministry.pk, None)
    assert Proposal.objects.get(pk=proposal.pk).reply_due_on == D(2020, 10, 1)
    assert list(StatusEvent.objects.overdue(today=D(2020, 10, 2))) == [owed]

    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Reply overdue since 2020-10-01" in page
    authorities = client.get(reverse("proposals:authority_list")).content.decode()
    assert '<strong class="overdue">1</strong>' in authorities
    detail = client.get(ministry.get_absolute_url()).content.decode()
    assert '<span class="stats__number">1</span> replies overdue' in detail


def test_a_reply_from_the_rehandling_authority_settles_it(proposal, cited, ministry):
    _referral, _reply, rehandling = rehandled(proposal, cited, ministry)
    second = record(proposal, D(2020, 9, 20), Status.REPLIED, cited, authority=ministry, reply_grade="A")
    assert stored(rehandling).reply_settled_by_id == second.pk
    assert Proposal.objects.get(pk=proposal.pk).reply_due_on is None
    assert not StatusEvent.objects.overdue(today=D(2021, 1, 1)).exists()


def test_a_reply_entered_before_a_same_day_re_referral_does_not_settle_it(proposal, cited, ministry):
    """Events of one day count in the order they were entered, in the stored fields as in the lifecycle."""
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry, handling_role=HandlingRole.LEAD)
    record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="B")
    again = record(proposal, D(2020, 8, 1), Status.REFERRED, cited, authority=ministry,
                   handling_role=HandlingRole.LEAD)
    assert list(StatusEvent.objects.owing_reply()) == [stored(again)]
    assert Proposal.objects.get(pk=proposal.pk).reply_due_on == D(2020, 11, 1)


def test_an_answered_referral_shows_its_reply_not_a_deadline(client, proposal, cited, ministry):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry, handling_role=HandlingRole.LEAD)
    record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="B")
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "due by" not in page and "Reply due" not in page
    assert "replied 2020-08-01, 61 days after referral · grade B" in page


def test_an_open_referral_shows_its_deadline(client, proposal, cited, ministry):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry, handling_role=HandlingRole.LEAD)
    page = client.get(proposal.get_absolute_url()).content.decode()
    late = (timezone.localdate() - D(2020, 9, 1)).days
    assert "due by 2020-09-01" in page and f'<strong class="overdue">overdue by {late:,} days</strong>' in page


@pytest.mark.parametrize("ending", [Status.ADOPTED, Status.IMPLEMENTED])
def test_adoption_or_implementation_without_a_closure_ends_the_debt(proposal, cited, ministry, ending):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    referral = record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry,
                      handling_role=HandlingRole.LEAD)
    closing = record(proposal, D(2021, 3, 12), ending, cited, adopted_in="14th Five-Year Plan")
    assert stored(referral).reply_settled_by_id == closing.pk
    assert Proposal.objects.get(pk=proposal.pk).reply_due_on is None
    assert not Proposal.objects.overdue(today=D(2022, 1, 1)).exists()


def test_deleting_the_reply_opens_the_debt_again(proposal, cited, ministry):
    from proposals.services import delete_status_event

    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    referral = record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry,
                      handling_role=HandlingRole.LEAD)
    reply = record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="B")
    delete_status_event(reply)
    assert stored(referral).reply_owed and Proposal.objects.get(pk=proposal.pk).reply_due_on == D(2020, 9, 1)


def test_the_export_and_the_api_read_the_stored_deadline(client, proposal, cited, ministry):
    _referral, _reply, rehandling = rehandled(proposal, cited, ministry)
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get("/api/v1/proposals/export/").streaming_content)
                                           .decode())))
    assert [(row["reply_due_on"], row["overdue"]) for row in rows] == [("2020-10-01", "true")]
    body = client.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert body["reply_due_on"] == "2020-10-01" and body["overdue"] is True


def test_the_data_migration_fills_existing_rows(proposal, cited, ministry):
    fill = __import__("proposals.migrations.0007_fill_reply_debts", fromlist=["fill"]).fill
    referral, reply, rehandling = rehandled(proposal, cited, ministry)
    StatusEvent.objects.update(reply_due_on=None, reply_owed_by=None, reply_settled_by=None)
    Proposal.objects.update(reply_due_on=None)

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    fill(django_apps, editor)
    assert stored(referral).reply_settled_by_id == reply.pk
    assert (stored(rehandling).reply_due_on, stored(rehandling).reply_owed_by_id) == (D(2020, 10, 1), ministry.pk)
    assert Proposal.objects.get(pk=proposal.pk).reply_due_on == D(2020, 10, 1)
