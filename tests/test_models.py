"""Structural rules held by the database, mirrored in clean() for friendly messages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from people.models import Affiliation, Membership
from proposals.lifecycle import Status
from proposals.models import Body, Proposal, Session, Sponsorship, StatusEvent, Theme

from . import factories

pytestmark = pytest.mark.django_db


def refused_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_slugs_are_unique():
    factories.theme(slug="5g")
    refused_by_database(lambda: Theme.objects.create(slug="5g", name_en="Another 5G"))


def test_session_cannot_close_before_it_opens():
    refused_by_database(
        lambda: factories.session(opened_on=datetime.date(2020, 5, 22), closed_on=datetime.date(2020, 5, 1))
    )
    early = Session(
        body=factories.body(), term=13, number=9, year=2020, slug="s", name_en="S",
        opened_on=datetime.date(2020, 5, 22), closed_on=datetime.date(2020, 5, 1),
    )
    with pytest.raises(ValidationError, match="cannot close before it opens"):
        early.full_clean()


def test_one_session_per_number_in_a_term():
    first = factories.session(term=13, number=3)
    refused_by_database(lambda: factories.session(body=first.body, term=13, number=3))


def test_a_proposal_has_one_lead_sponsor():
    proposal = factories.proposal()  # its first sponsor leads
    refused_by_database(
        lambda: Sponsorship.objects.create(proposal=proposal, delegate=factories.delegate(), is_lead=True)
    )
    Sponsorship.objects.create(proposal=proposal, delegate=factories.delegate(), is_lead=False)
    assert proposal.sponsorships.count() == 2


def test_a_delegate_sponsors_a_proposal_once():
    person = factories.delegate()
    proposal = factories.proposal(sponsors=[person])
    refused_by_database(lambda: Sponsorship.objects.create(proposal=proposal, delegate=person))


def test_a_theme_cannot_sit_under_itself():
    parent = factories.theme()
    child = factories.theme(parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError, match="cannot sit under itself"):
        parent.full_clean()


def test_reply_grade_only_on_a_reply_in_the_database():
    proposal = factories.proposal()
    refused_by_database(
        lambda: StatusEvent.objects.create(
            proposal=proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED,
            source=factories.source(), reply_grade="A",
        )
    )


def test_proposal_kind_must_fit_the_body():
    cppcc = factories.session(body=factories.body(kind=Body.Kind.CONFERENCE))
    proposal = Proposal(title_en="T", summary_en="S", session=cppcc, kind=Proposal.Kind.NPC_MOTION)
    with pytest.raises(ValidationError) as refused:
        proposal.full_clean()
    assert "kind" in refused.value.message_dict
    proposal.kind = Proposal.Kind.CPPCC_PROPOSAL
    proposal.full_clean()


def test_spans_end_after_they_start():
    refused_by_database(
        lambda: factories.affiliation(started_on=datetime.date(2020, 1, 1), ended_on=datetime.date(2019, 1, 1))
    )
    membership = Membership(
        delegate=factories.delegate(), body=factories.body(), role=Membership.Role.DEPUTY,
        started_on=datetime.date(2018, 3, 1), ended_on=datetime.date(2017, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        membership.full_clean()
    assert "ended_on" in refused.value.message_dict


def test_slug_is_made_from_the_title_and_urls_use_it():
    proposal = factories.proposal(title_en="Satellite internet in the 14th Five-Year Plan")
    assert proposal.slug == "satellite-internet-in-the-14th-five-year-plan"
    assert proposal.get_absolute_url() == f"/proposals/{proposal.pk}-{proposal.slug}/"


def test_filter_by_company_finds_proposals_of_its_people():
    founder, outsider = factories.delegate(), factories.delegate()
    firm = factories.company(slug="xiaomi")
    Affiliation.objects.create(delegate=founder, company=firm, position="founder")
    theirs = factories.proposal(sponsors=[founder, outsider])
    factories.proposal(sponsors=[outsider])
    assert list(Proposal.objects.filter_by(company="xiaomi")) == [theirs]
    assert list(Proposal.objects.filter_by(delegate=[founder.slug])) == [theirs]


def test_str_is_one_readable_line():
    proposal = factories.proposal(title_en="Coding in the national curriculum")
    assert str(proposal) == "Coding in the national curriculum"
    assert str(proposal.session.body) == "NPC"
