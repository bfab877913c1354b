"""Integrity the lifecycle now checks: who may reply, no step twice on one day, sponsors with seats, no self-relation;
and in the admin each refusal is shown on the row the editor touched."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal, StatusEvent
from proposals.services import delete_status_event, record_status, set_sponsors

from . import factories
from .test_admin import event_row, existing_proposal_form, proposal_form

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def session():
    return factories.session(opened_on=D(2020, 5, 22), closed_on=D(2020, 5, 28))


@pytest.fixture
def cited():
    return factories.source()


@pytest.fixture
def referred(session, cited):
    """A proposal referred to a lead ministry, with a co-handling one."""
    proposal = factories.proposal(session=session)
    lead, helper = factories.authority(slug="miit"), factories.authority(slug="ndrc")
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=lead,
                  handling_role=HandlingRole.LEAD)
    record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=helper,
                  handling_role=HandlingRole.CO_HANDLING)
    return proposal, lead, helper


def test_a_co_handling_authority_does_not_reply_alone(referred, cited):
    proposal, _lead, helper = referred
    with pytest.raises(ValidationError, match="was not referred this proposal as lead or separate authority"):
        record_status(proposal, date=D(2020, 9, 1), status=Status.REPLIED, source=cited, authority=helper)


def test_an_authority_never_referred_does_not_reply(referred, cited):
    proposal, _lead, _helper = referred
    with pytest.raises(ValidationError, match="was not referred this proposal"):
        record_status(proposal, date=D(2020, 9, 1), status=Status.REPLIED, source=cited,
                      authority=factories.authority())


def test_the_lead_replies_and_its_referral_cannot_then_be_deleted(referred, cited):
    proposal, lead, _helper = referred
    record_status(proposal, date=D(2020, 9, 1), status=Status.REPLIED, source=cited, authority=lead)
    referral = proposal.status_events.get(authority=lead, status=Status.REFERRED)
    with pytest.raises(ValidationError):
        delete_status_event(referral)
    assert StatusEvent.objects.filter(pk=referral.pk).exists()


def test_the_same_status_twice_on_one_date_is_a_duplicate(session, cited):
    proposal = factories.proposal(session=session)
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    with pytest.raises(ValidationError, match="the same step is already recorded on this date"):
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    assert proposal.status_events.count() == 1


def test_two_referrals_on_one_date_to_different_authorities_are_not_duplicates(referred):
    proposal, _lead, _helper = referred
    assert proposal.status_events.filter(status=Status.REFERRED).count() == 2


def test_a_sponsor_needs_a_seat_or_a_recorded_exception(session):
    seated, outsider = factories.seated_delegate(session), factories.delegate(name_en="Not Seated")
    proposal = factories.proposal(session=session, sponsors=[seated])
    with pytest.raises(ValidationError, match="Not Seated held no seat"):
        set_sponsors(proposal, [seated, outsider])
    set_sponsors(proposal, [seated, outsider], seat_exceptions={outsider.pk: "Seat confirmed by the NPC website"})
    assert proposal.sponsorships.get(delegate=outsider).seat_exception == "Seat confirmed by the NPC website"


def test_a_seat_of_another_term_does_not_count(session):
    person = factories.delegate()
    factories.membership(delegate=person, body=session.body, term=session.term - 1)
    with pytest.raises(ValidationError, match="held no seat"):
        set_sponsors(factories.proposal(session=session, sponsors=[]), [person])


def test_the_admin_shows_a_missing_seat_beside_the_sponsor(client, session):
    client.force_login(factories.editor())
    response = client.post(reverse("admin:proposals_proposal_add"),
                           proposal_form(session, sponsors=[factories.delegate()]))
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "sponsorships")
    assert "No seat of this delegate" in str(formset.formset.forms[0].errors["delegate"])
    assert not Proposal.objects.exists()


def test_a_proposal_is_not_related_to_itself(client, session):
    client.force_login(factories.editor())
    proposal = factories.proposal(session=session, sponsors=[factories.seated_delegate(session)])
    data = existing_proposal_form(proposal)
    data["related"] = [proposal.pk]
    response = client.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), data)
    assert response.status_code == 200
    assert "A proposal cannot be related to itself." in response.content.decode()
    assert not proposal.related.exists()


def test_a_new_row_that_breaks_a_stored_one_is_the_row_blamed(client, session, cited):
    """A filing dated before the stored submission makes the stored row fail: the new row shows why."""
    client.force_login(factories.editor())
    proposal = factories.proposal(session=session, sponsors=[factories.seated_delegate(session)])
    submitted = record_status(proposal, date=D(2020, 5, 25), status=Status.SUBMITTED, source=cited)
    data = existing_proposal_form(proposal, events=[(submitted, {})],
                                  new_events=[event_row(D(2020, 5, 23), Status.FILED, cited)])
    response = client.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), data)
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "status_events")
    stored_row, new_row = formset.formset.forms[:2]
    assert not stored_row.errors
    assert "comes before Filed (2020-05-23)" in str(new_row.errors["status"])


def test_a_date_error_is_shown_beside_the_date(client, session, cited):
    client.force_login(factories.editor())
    rows = [event_row(D(2020, 5, 1), Status.SUBMITTED, cited)]
    response = client.post(reverse("admin:proposals_proposal_add"),
                           proposal_form(session, sponsors=[factories.seated_delegate(session)], events=rows))
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "status_events")
    assert "the session opened on 2020-05-22" in str(formset.formset.forms[0].errors["date"])


def test_a_new_session_gets_the_slug_the_csv_files_use(client):
    client.force_login(factories.editor())
    npc = factories.body(slug="npc")
    response = client.post(reverse("admin:proposals_session_add"), {
        "body": npc.pk, "term": 14, "number": 1, "year": 2023, "name_en": "1st Session of the 14th NPC",
        "name_zh": "", "slug": "", "opened_on": "2023-03-05", "closed_on": "2023-03-13"})
    assert response.status_code == 302, response.content.decode()[:3000]
    from proposals.models import Session

    assert Session.objects.get(year=2023).slug == "npc-2023"
    second = Session(body=npc, term=14, number=2, year=2023, name_en="Extra", opened_on=D(2023, 9, 1))
    second.save()
    assert second.slug == "npc-2023-2"


def test_delegate_pickers_show_seats_and_rank_surnames_first(client, session):
    client.force_login(factories.editor())
    lei_jun = factories.seated_delegate(session, name_en="Lei Jun", name_zh="雷军", name_pinyin="Léi Jūn")
    factories.seated_delegate(session, name_en="Ding Lei", name_zh="丁磊")
    response = client.get("/admin/autocomplete/", {"term": "Lei", "app_label": "proposals",
                                                   "model_name": "sponsorship", "field_name": "delegate"})
    texts = [result["text"] for result in response.json()["results"]]
    assert texts[0] == f"Lei Jun 雷军 — NPC deputy, {session.term}th term"
    assert texts[1].startswith("Ding Lei 丁磊")
    assert lei_jun.name_en in texts[0]


def test_source_pickers_show_the_title_first():
    cited = factories.source(title="Tech founders at the Two Sessions", publisher="KrASIA")
    assert str(cited) == "Tech founders at the Two Sessions — KrASIA"


def test_adding_a_proposal_that_reads_like_one_there_asks_the_editor_first(client, session):
    client.force_login(factories.editor())
    lead = factories.seated_delegate(session, name_en="Lei Jun")
    existing = factories.proposal(session=session, sponsors=[lead],
                                  title_en="Build a national disaster warning system on smart devices")
    data = proposal_form(session, sponsors=[lead], title_en="Build a national disaster-warning system with smart "
                                                             "devices")
    asked = client.post(reverse("admin:proposals_proposal_add"), data)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "reads like a proposal already recorded" in page
    assert reverse("admin:proposals_proposal_change", args=[existing.pk]) in page
    assert Proposal.objects.count() == 1
    linked = client.post(reverse("admin:proposals_proposal_add"), {**data, "_duplicate_decision": "related"})
    assert linked.status_code == 302
    added = Proposal.objects.exclude(pk=existing.pk).get()
    assert list(added.related.all()) == [existing]


def test_a_different_title_of_the_same_sponsor_is_not_a_duplicate(client, session):
    client.force_login(factories.editor())
    lead = factories.seated_delegate(session)
    factories.proposal(session=session, sponsors=[lead], title_en="Satellite internet in the 14th Five-Year Plan")
    data = proposal_form(session, sponsors=[lead], title_en="Streamline satellite frequency applications")
    assert client.post(reverse("admin:proposals_proposal_add"), data).status_code == 302
