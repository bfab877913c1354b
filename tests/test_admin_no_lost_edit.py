"""No lost edit in the admin: a save from a page opened before someone else's save is refused, naming them,
and two saves of one timeline or sponsor list at the same moment never end in a server error."""

import datetime
import re
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from proposals.lifecycle import Status
from proposals.models import Proposal, StatusEvent
from proposals.services import record_status

from . import factories
from .test_admin import event_row, existing_proposal_form, inline

D = datetime.date


def change_url(proposal):
    return reverse("admin:proposals_proposal_change", args=[proposal.pk])


def editor_client(username, *, superuser=False):
    client = Client()
    if superuser:  # a transactional test starts without the Editors group that a migration creates
        client.force_login(User.objects.create_superuser(username, password="chief-password"))
    else:
        client.force_login(factories.editor(username))
    return client


def opened_token(client, proposal):
    page = client.get(change_url(proposal)).content.decode()
    return re.search(r'name="_edit_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def proposal(db):
    session = factories.session(opened_on=D(2020, 5, 22))
    made = factories.proposal(session=session, title_en="Satellite internet", summary_en="Put it in the plan.")
    record_status(made, date=D(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())
    return Proposal.objects.get(pk=made.pk)


def test_a_save_from_a_page_opened_before_another_editors_save_is_refused(proposal):
    alice, bob = editor_client("alice"), editor_client("bob")
    submitted = proposal.status_events.get()
    alice_token, bob_token = opened_token(alice, proposal), opened_token(bob, proposal)

    saved = alice.post(change_url(proposal), {
        **existing_proposal_form(proposal, events=[(submitted, {})], title_en="Satellite internet in the plan"),
        "_edit_token": alice_token})
    assert saved.status_code == 302

    refused = bob.post(change_url(proposal), {
        **existing_proposal_form(proposal, events=[(submitted, {})], summary_en="Bob's summary"),
        "_edit_token": bob_token})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "saved by someone else since you opened this page" in page
    assert "alice at" in page and "title (English)" in page
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.title_en, stored.summary_en) == ("Satellite internet in the plan", "Put it in the plan.")
    # Saving the same stale page again is refused again; a reloaded page saves.
    assert bob.post(change_url(proposal), {
        **existing_proposal_form(proposal, events=[(submitted, {})], summary_en="Bob's summary"),
        "_edit_token": bob_token}).status_code == 200
    assert bob.post(change_url(proposal), {
        **existing_proposal_form(stored, events=[(submitted, {})], summary_en="Bob's summary"),
        "_edit_token": opened_token(bob, proposal)}).status_code == 302


def test_a_step_recorded_elsewhere_makes_an_open_page_stale(proposal):
    bob = editor_client("bob")
    token = opened_token(bob, proposal)
    record_status(proposal, date=D(2020, 6, 1), status=Status.FILED, source=factories.source())
    submitted = proposal.status_events.get(status=Status.SUBMITTED)
    refused = bob.post(change_url(proposal), {**existing_proposal_form(proposal, events=[(submitted, {})]),
                                              "_edit_token": token})
    assert refused.status_code == 200
    assert "the timeline (Filed on 2020-06-01 added)" in refused.content.decode()


def test_the_history_records_each_status_change(proposal):
    record_status(proposal, date=D(2020, 6, 1), status=Status.FILED, source=factories.source())
    latest = Proposal.history.filter(id=proposal.pk).latest()
    assert (latest.status, latest.status_date) == (Status.FILED, D(2020, 6, 1))


def _race(posts):
    """Run the POSTs at the same moment from separate threads; their status codes."""
    barrier, codes = threading.Barrier(len(posts)), [None] * len(posts)

    def run(index, client, url, data):
        client.raise_request_exception = False
        barrier.wait()
        try:
            codes[index] = client.post(url, data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, *post)) for index, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_two_editors_saving_one_timeline_at_once_never_get_a_server_error(round_):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL's row locks")
    session = factories.session(opened_on=D(2020, 5, 22))
    proposal = factories.proposal(session=session)
    cited = factories.source()
    submitted = record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    proposal = Proposal.objects.get(pk=proposal.pk)
    # Each is possible alone; together a filing would follow a withdrawal, which the lifecycle refuses.
    withdraw = existing_proposal_form(proposal, events=[(submitted, {})],
                                      new_events=[event_row(D(2020, 6, 1), Status.WITHDRAWN, cited)])
    file = existing_proposal_form(proposal, events=[(submitted, {})],
                                  new_events=[event_row(D(2020, 6, 10), Status.FILED, cited)])
    co_signer = factories.seated_delegate(session)
    lead = proposal.sponsorships.get()
    factories.seat(lead.delegate, session)
    for data in (withdraw, file):  # both also add the same co-sponsor: a unique pair in the database
        data.update(inline("sponsorships", [
            {"id": lead.pk, "proposal": proposal.pk, "delegate": lead.delegate_id, "is_lead": "on", "order": 0},
            {"proposal": proposal.pk, "delegate": co_signer.pk, "order": 1}], initial=1))
    codes = _race([(editor_client(f"a{round_}", superuser=True), change_url(proposal), withdraw),
                   (editor_client(f"b{round_}", superuser=True), change_url(proposal), file)])
    assert sorted(codes) == [200, 302], codes  # one saved; the other shown the lifecycle's reason
    statuses = set(StatusEvent.objects.filter(proposal=proposal).values_list("status", flat=True))
    assert statuses in ({Status.SUBMITTED, Status.WITHDRAWN}, {Status.SUBMITTED, Status.FILED})
    assert proposal.sponsorships.count() == 2
