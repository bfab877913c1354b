"""Last-Modified is only sent once no later change can share its second, so If-Modified-Since never hides one."""

import datetime

import pytest
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.test import APIClient

from proposals.models import Proposal
from tracker.api import conditional

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


def test_a_list_sends_last_modified_once_the_data_versions_second_has_passed(client, clock, monkeypatch):
    factories.proposal()
    version = {"now": SECOND * 1_000_000_000 + 100_000_000}  # nanoseconds: a write 0.1 s into the second
    monkeypatch.setattr(conditional, "data_version", lambda: version["now"])
    clock.advance(0.1)

    first = client.get(LIST)
    assert first.status_code == 200 and "Last-Modified" not in first

    version["now"] += 500_000_000  # another write, 0.6 s into the same second
    again = client.get(LIST, HTTP_IF_MODIFIED_SINCE=http_date(SECOND))
    assert again.status_code == 200 and again["ETag"] != first["ETag"]

    clock.advance(1)
    settled = client.get(LIST)
    assert settled["Last-Modified"] == http_date(SECOND)
    assert client.get(LIST, HTTP_IF_MODIFIED_SINCE=settled["Last-Modified"]).status_code == 304
