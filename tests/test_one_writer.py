"""One writer per fact: sponsors through set_sponsors, the right to record a status through can_record_status."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import seed, services
from proposals.models import Sponsorship

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def sponsors_of(proposal):
    return [(s.delegate.slug, s.is_lead) for s in proposal.sponsorships.select_related("delegate")]


def test_set_sponsors_changes_the_lead_and_keeps_unchanged_rows():
    session = factories.session()
    first, second, third = (factories.seated_delegate(session, slug=slug) for slug in ("first", "second", "third"))
    proposal = factories.proposal(session=session, sponsors=[first, second])
    kept = proposal.sponsorships.get(delegate=second).pk
    services.set_sponsors(proposal, [second, first, third])
    assert sponsors_of(proposal) == [("second", True), ("first", False), ("third", False)]
    assert proposal.sponsorships.get(delegate=second).pk == kept  # the row is updated, not replaced
    services.set_sponsors(proposal, [second, first, third], lead=third)
    assert sponsors_of(proposal)[0] == ("third", True)
    services.set_sponsors(proposal, [first])
    assert sponsors_of(proposal) == [("first", True)]


def test_set_sponsors_refuses_a_delegate_twice_or_a_lead_who_is_not_a_sponsor():
    session = factories.session()
    person, other = factories.seated_delegate(session), factories.seated_delegate(session)
    proposal = factories.proposal(session=session, sponsors=[person])
    with pytest.raises(ValidationError, match="sponsors a proposal once"):
        services.set_sponsors(proposal, [person, person])
    with pytest.raises(ValidationError, match="must be one of the sponsors"):
        services.set_sponsors(proposal, [person], lead=other)
    assert sponsors_of(proposal) == [(person.slug, True)]


def test_set_sponsors_writes_nothing_when_nothing_changes():
    session = factories.session()
    people = [factories.seated_delegate(session), factories.seated_delegate(session)]
    proposal = factories.proposal(session=session, sponsors=people)
    with CaptureQueriesContext(connection) as captured:
        services.set_sponsors(proposal, people)
    statements = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    assert "SELECT" in statements and not {"INSERT", "UPDATE", "DELETE"} & set(statements)


def test_the_admin_swaps_the_lead_through_set_sponsors(client):
    """A new lead listed after the old one used to need the save order trick; now the service decides it."""
    from .test_admin import inline, proposal_form

    client.force_login(factories.editor())
    session = factories.session(opened_on=D(2020, 5, 22))
    old_lead = factories.seated_delegate(session, slug="old-lead")
    new_lead = factories.seated_delegate(session, slug="new-lead")
    proposal = factories.proposal(session=session, sponsors=[old_lead, new_lead])
    ids = list(proposal.sponsorships.order_by("-is_lead").values_list("pk", flat=True))
    data = proposal_form(session, sponsors=[], title_en=proposal.title_en, summary_en=proposal.summary_en, kind="",
                         slug=proposal.slug)
    data.update(inline("sponsorships", [
        {"id": ids[0], "proposal": proposal.pk, "delegate": old_lead.pk, "is_lead": "", "order": 1},
        {"id": ids[1], "proposal": proposal.pk, "delegate": new_lead.pk, "is_lead": "on", "order": 0},
    ], initial=2))
    response = client.post(reverse("admin:proposals_proposal_change", args=[proposal.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert sponsors_of(proposal) == [("new-lead", True), ("old-lead", False)]


def test_the_loader_leaves_an_editors_sponsors_alone():
    seed.load(seed.read(seed.DEFAULT_PATH))
    proposal = Sponsorship.objects.filter(is_lead=True).first().proposal
    editor_choice = factories.seated_delegate(proposal.session, slug="chosen-by-an-editor")
    services.set_sponsors(proposal, [editor_choice])
    seed.load(seed.read(seed.DEFAULT_PATH))
    assert sponsors_of(proposal) == [("chosen-by-an-editor", True)]


def user_with(*codenames):
    user = User.objects.create_user(username="-".join(codenames) or "nobody", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh, without a permission cache


def test_one_rule_decides_who_records_a_status():
    assert services.can_record_status(factories.editor())
    assert services.can_record_status(user_with("add_statusevent", "view_proposal"))
    assert not services.can_record_status(user_with("change_proposal", "view_proposal"))


@pytest.mark.parametrize(("codenames", "offered"), [
    (("view_proposal", "add_statusevent"), True),
    (("view_proposal", "change_proposal"), False),
])
def test_the_bulk_action_follows_that_rule(client, codenames, offered):
    factories.proposal()  # the changelist offers actions only when it lists something
    client.force_login(user_with(*codenames))
    page = client.get(reverse("admin:proposals_proposal_changelist"))
    assert page.status_code == 200
    assert ('value="record_status_change"' in page.content.decode()) is offered


@pytest.mark.parametrize(("codenames", "status"), [(("add_statusevent",), 201), (("change_proposal",), 403)])
def test_the_api_follows_that_rule(codenames, status):
    from rest_framework.test import APIClient

    proposal = factories.proposal(session=factories.session(opened_on=D(2020, 5, 22)))
    api = APIClient()
    api.force_authenticate(user_with(*codenames))
    response = api.post(f"/api/v1/proposals/{proposal.pk}/status-events/",
                        {"date": "2020-05-22", "status": "submitted", "source": factories.source().pk}, format="json",
                        HTTP_IF_MATCH=api.get(f"/api/v1/proposals/{proposal.pk}/")["ETag"])
    assert response.status_code == status, response.content


def test_the_api_writes_sponsors_through_set_sponsors_and_refuses_a_sponsor_without_a_seat():
    from rest_framework.test import APIClient

    session = factories.session(opened_on=D(2020, 5, 22))
    old_lead, new_lead = factories.seated_delegate(session), factories.seated_delegate(session)
    proposal = factories.proposal(session=session, sponsors=[old_lead, new_lead])
    kept = proposal.sponsorships.get(delegate=new_lead).pk
    api = APIClient()
    api.force_authenticate(factories.editor())
    url = f"/api/v1/proposals/{proposal.pk}/"
    assert api.patch(url, {"sponsors": [new_lead.slug, old_lead.slug]}, format="json",
                     HTTP_IF_MATCH=api.get(url)["ETag"]).status_code == 200
    assert sponsors_of(proposal)[0] == (new_lead.slug, True)
    assert proposal.sponsorships.get(delegate=new_lead).pk == kept
    outsider = factories.delegate()
    refused = api.patch(url, {"sponsors": [outsider.slug]}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert refused.status_code == 400 and "held no seat" in refused.json()["sponsors"][0]
    assert sponsors_of(proposal)[0] == (new_lead.slug, True)
