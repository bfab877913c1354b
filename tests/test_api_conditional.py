"""Last-Modified is only sent once no later change can share its second, so If-Modified-Since never hides one."""

import datetime

import pytest
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.test import APIClient

from proposals.lifecycle import Status
from proposals.models import Proposal
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db
LIST = "/api/v1/proposals/"
# An arbitrary second, and 0.1 s into it.
SECOND = int(datetime.datetime(2024, 3, 5, 8, 0, tzinfo=datetime.UTC).timestamp())
EARLY_IN_IT = datetime.datetime.fromtimestamp(SECOND, tz=datetime.UTC) + datetime.timedelta(milliseconds=100)


class Clock:
    """timezone.now() under the test's control; model timestamps (auto_now) follow it too."""

    def __init__(self, start):
        self.moment = start

    def __call__(self):
        return self.moment

    def advance(self, seconds):
        self.moment += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.RESPONSE_CACHE = False  # the view's own validators, not a stored response's
    ticking = Clock(EARLY_IN_IT)
    monkeypatch.setattr(timezone, "now", ticking)
    return ticking


@pytest.fixture
def client():
    return APIClient()


def test_an_object_changed_within_the_second_it_was_read_is_not_answered_304(client, clock):
    proposal = factories.proposal()  # changed at 0.1 s
    url = f"{LIST}{proposal.pk}/"
    clock.advance(0.1)

    first = client.get(url)
    # Its second is still running: a Last-Modified now could be shared with a change later in that second.
    assert first.status_code == 200 and "Last-Modified" not in first

    clock.advance(0.4)
    proposal.title_en = "Changed in the same second"
    proposal.save()
    # A client holding that second (from the Date of its copy, say) still learns of the change.
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(SECOND))
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert again.json()["title_en"] == "Changed in the same second"

    clock.advance(1)  # the second of the last change is over: no later change can fall within it
    settled = client.get(url)
    assert settled["Last-Modified"] == http_date(SECOND)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=settled["Last-Modified"]).status_code == 304


def test_if_none_match_decides_when_both_validators_are_sent(client, clock):
    proposal = factories.proposal()
    url = f"{LIST}{proposal.pk}/"
    old_etag = client.get(url)["ETag"]
    clock.advance(0.3)
    Proposal.objects.get(pk=proposal.pk).save()  # a new version, in the same second
    clock.advance(2)
    current = client.get(url)

    stale_tag = client.get(url, HTTP_IF_NONE_MATCH=old_etag, HTTP_IF_MODIFIED_SINCE=current["Last-Modified"])
    assert stale_tag.status_code == 200
    old_date = client.get(url, HTTP_IF_NONE_MATCH=current["ETag"],
                          HTTP_IF_MODIFIED_SINCE="Tue, 01 Jan 2019 00:00:00 GMT")
    assert old_date.status_code == 304


def test_a_list_sends_last_modified_once_the_second_of_its_last_change_has_passed(client, clock):
    proposal = factories.proposal()
    clock.advance(0.1)

    first = client.get(LIST)
    assert first.status_code == 200 and "Last-Modified" not in first

    clock.advance(0.4)
    Proposal.objects.filter(pk=proposal.pk).update(title_en="Changed in the same second", updated_at=clock())
    again = client.get(LIST, HTTP_IF_MODIFIED_SINCE=http_date(SECOND))
    assert again.status_code == 200 and again["ETag"] != first["ETag"]

    clock.advance(1)
    settled = client.get(LIST)
    assert settled["Last-Modified"] == http_date(SECOND)
    assert client.get(LIST, HTTP_IF_MODIFIED_SINCE=settled["Last-Modified"]).status_code == 304


def test_a_lists_etag_moves_with_its_own_rows_only(client, clock):
    cited = factories.source()
    one, other = factories.proposal(), factories.proposal()
    for proposal in (one, other):
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    events_of_one = f"/api/v1/status-events/?proposal={one.pk}"
    before = client.get(events_of_one)["ETag"]
    clock.advance(2)
    record_status(other, date=datetime.date(2020, 6, 1), status=Status.FILED, source=cited)
    assert client.get(events_of_one, HTTP_IF_NONE_MATCH=before).status_code == 304
    record_status(one, date=datetime.date(2020, 6, 1), status=Status.FILED, source=cited)
    assert client.get(events_of_one, HTTP_IF_NONE_MATCH=before).status_code == 200
