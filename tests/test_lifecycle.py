"""The status lifecycle: current status after every change, refused sequences, reply deadlines."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from proposals import lifecycle
from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, StatusEvent
from proposals.services import (
    change_status_event,
    delete_status_event,
    record_status,
    record_status_for_many,
    save_timeline,
)

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def cited():
    return factories.source()


@pytest.fixture
def proposal():
    return factories.proposal(session=factories.session(opened_on=D(2020, 5, 22), closed_on=D(2020, 5, 28)))


def record(proposal, day, status, source, **details):
    return record_status(proposal, date=day, status=status, source=source, **details)


def refresh(proposal):
    return Proposal.objects.get(pk=proposal.pk)


def test_current_status_follows_the_latest_event(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 6, 10), Status.FILED, cited)
    current = refresh(proposal)
    assert (current.status, current.status_date) == (Status.FILED, D(2020, 6, 10))


def test_current_status_after_editing_and_deleting_events(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    filed = record(proposal, D(2020, 6, 10), Status.FILED, cited)
    change_status_event(filed, date=D(2020, 6, 20))
    assert refresh(proposal).status_date == D(2020, 6, 20)
    delete_status_event(filed)
    current = refresh(proposal)
    assert (current.status, current.status_date) == (Status.SUBMITTED, D(2020, 5, 22))


def test_events_on_one_day_keep_their_entry_order(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 5, 22), Status.UNDER_REVIEW, cited)
    assert refresh(proposal).status == Status.UNDER_REVIEW


def test_event_before_the_session_opened_is_refused(proposal, cited):
    with pytest.raises(ValidationError, match="session opened on 2020-05-22"):
        record(proposal, D(2020, 5, 1), Status.SUBMITTED, cited)
    assert not StatusEvent.objects.exists()


def test_announcement_may_come_before_the_session(proposal, cited):
    record(proposal, D(2020, 5, 1), Status.ANNOUNCED, cited)
    assert refresh(proposal).status == Status.ANNOUNCED


def test_future_event_is_refused(proposal, cited):
    with pytest.raises(ValidationError, match="in the future"):
        record(proposal, datetime.date.today() + datetime.timedelta(days=2), Status.SUBMITTED, cited)


def test_reply_without_referral_is_refused(proposal, cited):
    ministry = factories.authority()
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    with pytest.raises(ValidationError, match="a reply needs an earlier referral"):
        record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="B")


def test_step_after_closure_is_refused_unless_it_reopens(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 9, 1), Status.CLOSED, cited)
    with pytest.raises(ValidationError, match="was closed"):
        record(proposal, D(2020, 9, 2), Status.FILED, cited)
    record(proposal, D(2021, 3, 12), Status.ADOPTED, cited, adopted_in="14th Five-Year Plan")
    assert refresh(proposal).status == Status.ADOPTED


def test_nothing_follows_a_withdrawal(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 5, 23), Status.WITHDRAWN, cited)
    with pytest.raises(ValidationError, match="nothing can follow"):
        record(proposal, D(2020, 6, 1), Status.FILED, cited)


def test_going_back_to_an_earlier_stage_is_refused(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.FILED, cited)
    with pytest.raises(ValidationError, match=r"comes before Filed \(2020-05-22\), which the proposal"):
        record(proposal, D(2020, 5, 25), Status.SUBMITTED, cited)


def test_deleting_the_referral_a_reply_depends_on_is_refused(proposal, cited):
    ministry = factories.authority()
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    referral = record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry, handling_role="lead")
    record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="A")
    with pytest.raises(ValidationError, match="a reply needs an earlier referral"):
        delete_status_event(referral)
    assert StatusEvent.objects.filter(pk=referral.pk).exists()
    assert refresh(proposal).status == Status.REPLIED


def test_fields_that_do_not_belong_to_the_status_are_refused(proposal, cited):
    with pytest.raises(ValidationError) as refused:
        record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited, reply_grade="A")
    assert "reply_grade" in refused.value.message_dict


def test_referral_needs_authority_and_role(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    with pytest.raises(ValidationError) as refused:
        record(proposal, D(2020, 6, 1), Status.REFERRED, cited)
    assert {"authority", "handling_role"} <= set(refused.value.message_dict)


def test_every_event_needs_a_source(proposal):
    with pytest.raises(ValidationError, match="needs a source"):
        record(proposal, D(2020, 5, 22), Status.SUBMITTED, None)


def test_whole_timeline_is_checked_at_once(proposal, cited):
    ministry = factories.authority()
    referral = StatusEvent(date=D(2020, 6, 1), status=Status.REFERRED, source=cited, authority=ministry,
                           handling_role=HandlingRole.LEAD)
    reply = StatusEvent(date=D(2020, 8, 1), status=Status.REPLIED, source=cited, authority=ministry, reply_grade="B")
    save_timeline(proposal, add=[reply, referral])
    assert refresh(proposal).status == Status.REPLIED


def test_reply_due_three_months_after_referral_and_overdue(proposal, cited):
    ministry = factories.authority()
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    referral = record(proposal, D(2020, 6, 30), Status.REFERRED, cited, authority=ministry, handling_role="lead")
    current = refresh(proposal)
    assert current.reply_due_on == D(2020, 9, 30)
    assert current.is_overdue(today=D(2020, 10, 1)) and not current.is_overdue(today=D(2020, 9, 30))
    assert list(Proposal.objects.overdue(today=D(2020, 10, 1))) == [current]
    assert list(StatusEvent.objects.overdue(today=D(2020, 10, 1))) == [referral]
    record(proposal, D(2020, 11, 2), Status.REPLIED, cited, authority=ministry, reply_grade="B")
    assert refresh(proposal).reply_due_on is None
    assert not StatusEvent.objects.overdue(today=D(2020, 12, 1)).exists()


def test_co_handling_authority_owes_no_reply_of_its_own(proposal, cited):
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 6, 30), Status.REFERRED, cited, authority=factories.authority(), handling_role="co")
    assert refresh(proposal).reply_due_on is None


def test_rehandling_gives_one_month(proposal, cited):
    ministry = factories.authority()
    record(proposal, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(proposal, D(2020, 6, 1), Status.REFERRED, cited, authority=ministry, handling_role="lead")
    record(proposal, D(2020, 8, 1), Status.REPLIED, cited, authority=ministry, reply_grade="C")
    record(proposal, D(2020, 8, 20), Status.FEEDBACK, cited, verdict="dissatisfied")
    record(proposal, D(2020, 9, 1), Status.REHANDLING, cited, authority=ministry)
    assert refresh(proposal).reply_due_on == D(2020, 10, 1)


def test_bulk_recording_is_all_or_nothing(cited):
    session = factories.session(opened_on=D(2020, 5, 22))
    ready, early = factories.proposal(session=session), factories.proposal(session=session)
    record(ready, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(early, D(2020, 5, 22), Status.SUBMITTED, cited)
    record(early, D(2020, 5, 24), Status.WITHDRAWN, cited)
    refused = record_status_for_many([ready, early], date=D(2020, 6, 1), status=Status.FILED, source=cited)
    assert [proposal for proposal, _ in refused] == [early]
    assert refresh(ready).status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(D(2020, 11, 30), 3, D(2021, 2, 28)), (D(2020, 1, 31), -2, D(2019, 11, 30)), (D(2020, 6, 1), 1, D(2020, 7, 1))],
)
def test_add_months(day, months, expected):
    assert lifecycle.add_months(day, months) == expected
