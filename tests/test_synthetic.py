"""Synthetic data: possible timelines, consistent current statuses, realistic shares, and it stays apart."""

import datetime
import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count

from proposals import lifecycle, synthetic
from proposals.lifecycle import Status
from proposals.models import Proposal, StatusEvent, Theme
from proposals.services import save_timeline
from tracker.caching import data_version

from . import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 29)


@pytest.fixture(scope="module")
def seeded(module_db):
    """400 synthetic proposals, seeded once for the tests here that only read them."""
    scale = synthetic.Scale(proposals=400, delegates=60, companies=6, sources=10, batch=150)
    return synthetic.Seeder(scale, seed=7, today=TODAY, stderr=io.StringIO()).run()


def test_every_sampled_timeline_is_possible(seeded):
    sample = random.Random(1).sample(list(Proposal.objects.values_list("pk", flat=True)), 80)
    for proposal in Proposal.objects.filter(pk__in=sample).select_related("session").prefetch_related(
        "status_events"
    ):
        events = list(proposal.status_events.all())
        for event in events:
            assert not lifecycle.check_event_fields(event), (proposal.pk, event)
        try:
            lifecycle.check_timeline(proposal.session, events, today=TODAY)
        except ValidationError as refused:
            pytest.fail(f"proposal {proposal.pk}: {refused.messages}")


def _stored_decisions(ids):
    proposals = Proposal.objects.filter(pk__in=ids).order_by("pk")
    events = StatusEvent.objects.filter(proposal__in=ids).order_by("pk")
    return (list(proposals.values_list("pk", "status", "status_date", "reply_due_on")),
            list(events.values_list("pk", "reply_due_on", "reply_owed_by", "reply_settled_by")))


def test_what_the_seeder_stores_is_what_the_timeline_service_writes(seeded):
    """The seeder bulk-inserts its own decisions; saving each timeline through the service must change nothing."""
    ids = list(Proposal.objects.order_by("pk").values_list("pk", flat=True)[:200])
    seeded_decisions = _stored_decisions(ids)
    assert any(due for _pk, _status, _date, due in seeded_decisions[0])  # some replies are owed
    for proposal in Proposal.objects.filter(pk__in=ids):
        save_timeline(proposal)  # no change: only re-derives status and reply debts from the events
    assert _stored_decisions(ids) == seeded_decisions


def test_each_owed_reply_has_nothing_after_it_that_would_settle_it(seeded):
    """Stated independently of the lifecycle code: an owed debt has no later reply of its debtor nor an ending."""
    endings = {Status.CLOSED, Status.WITHDRAWN, Status.NOT_FILED, Status.ADOPTED, Status.IMPLEMENTED}
    for proposal in Proposal.objects.filter(reply_due_on__isnull=False).prefetch_related("status_events")[:100]:
        events = sorted(proposal.status_events.all(), key=lambda event: (event.date, event.pk))
        owed = [event for event in events if event.reply_due_on and event.reply_settled_by_id is None]
        assert owed and proposal.reply_due_on == min(event.reply_due_on for event in owed)
        for debt in owed:
            later = events[events.index(debt) + 1:]
            assert not any(event.status in endings for event in later), proposal.pk
            assert not any(event.status == Status.REPLIED and event.authority_id == debt.reply_owed_by_id
                           for event in later), proposal.pk


def test_proportions(seeded):
    assert seeded["proposals"] == 400 and seeded["sessions"] == 20 and seeded["themes"] == 40
    events_per = Proposal.objects.annotate(n=Count("status_events")).values_list("n", flat=True)
    themes_per = Proposal.objects.annotate(n=Count("themes")).values_list("n", flat=True)
    assert min(events_per) >= 3 and 4 <= sum(events_per) / len(events_per) <= 8
    assert set(themes_per) <= {1, 2, 3}
    statuses = set(StatusEvent.objects.values_list("status", flat=True))
    assert {Status.REFERRED, Status.REPLIED, Status.CLOSED, Status.REHANDLING} <= statuses
    assert Proposal.objects.overdue(today=TODAY).exists()
    assert Proposal.objects.filter(related__isnull=False).exists()
    assert Proposal.objects.exclude(sponsorships__is_lead=True).count() == 0


def test_the_command_seeds_and_moves_the_data_version():
    before = data_version()
    out = io.StringIO()
    call_command("seed_synthetic", proposals=30, stdout=out, stderr=io.StringIO())
    assert "30 proposals" in out.getvalue()
    assert Proposal.objects.filter(slug__startswith=synthetic.SLUG_PREFIX).count() == 30
    assert data_version() > before


def test_the_command_refuses_a_database_with_real_proposals_unless_forced():
    real = factories.proposal(title_en="Satellite internet", session=factories.session(year=2020))
    with pytest.raises(CommandError, match="1 proposals that are not synthetic"):
        call_command("seed_synthetic", proposals=5, stdout=io.StringIO(), stderr=io.StringIO())
    assert Proposal.objects.count() == 1
    call_command("seed_synthetic", proposals=5, force=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert Proposal.objects.count() == 6 and Proposal.objects.filter(pk=real.pk).exists()


def test_clear_removes_earlier_synthetic_rows_and_keeps_real_ones():
    real_theme = factories.theme(slug="5g")
    call_command("seed_synthetic", proposals=20, stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="--clear"):
        call_command("seed_synthetic", proposals=20, stdout=io.StringIO(), stderr=io.StringIO())
    call_command("seed_synthetic", proposals=10, clear=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert Proposal.objects.count() == 10
    assert Theme.objects.filter(slug__startswith=synthetic.SLUG_PREFIX).count() == 40
    assert Theme.objects.filter(pk=real_theme.pk).exists()
    synthetic.clear()
    assert not Proposal.objects.exists() and not StatusEvent.objects.exists()
    assert list(Theme.objects.all()) == [real_theme]


def test_new_ids_continue_after_the_seeded_ones():
    call_command("seed_synthetic", proposals=10, stdout=io.StringIO(), stderr=io.StringIO())
    highest = Proposal.objects.order_by("-pk").first().pk
    assert factories.proposal(session=factories.session(term=99)).pk > highest


def test_progress_is_written_to_stderr():
    err = io.StringIO()
    call_command("seed_synthetic", proposals=12, batch=5, stdout=io.StringIO(), stderr=err)
    assert "100% 12/12" in err.getvalue()
