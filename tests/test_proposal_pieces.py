"""Lists keep each proposal's card (HTML) and API item between reads, with the response cache off, and never show
one older than the last write to what it shows (tracker.caching.proposal_pieces)."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal
from proposals.services import record_status, set_sponsors

from . import factories

pytestmark = pytest.mark.django_db
LIST = "/api/v1/proposals/"


@pytest.fixture
def listed(settings):
    settings.RESPONSE_CACHE = False
    source = factories.source()
    lead = factories.delegate(name_en="Lei Jun")
    made = []
    for number in range(4):
        proposal = factories.proposal(title_en=f"Satellite internet plan {number}", sponsors=[lead])
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=source)
        made.append(proposal)
    return made, lead, source


def read(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries], response


def rows_read(queries):
    """The queries that read proposals' own rows (their titles), as the pieces not kept do."""
    return [sql for sql in queries if "title_en" in sql and "proposals_proposal" in sql]


def test_a_list_read_again_reads_no_row_and_a_save_rebuilds_only_its_card(client, listed):
    (first, saved, *_rest), _lead, source = listed
    url = reverse("proposals:proposal_list")
    read(client, url)
    queries, again = read(client, url)
    assert rows_read(queries) == []
    assert again.content.decode().count('class="proposal-card"') == 4

    record_status(saved, date=datetime.date(2020, 6, 1), status=Status.FILED, source=source)
    queries, after = read(client, url)
    [rebuilt] = rows_read(queries)
    assert str(saved.pk) in rebuilt and str(first.pk) not in rebuilt
    assert after.content.decode().count("filed") >= 1


def test_a_renamed_sponsor_is_shown_on_every_card_at_once(client, listed):
    _proposals, lead, _source = listed
    url = reverse("proposals:proposal_list")
    read(client, url)
    read(client, LIST)
    lead.name_en = "Lei Jun (Xiaomi)"
    lead.save()
    assert read(client, url)[1].content.decode().count("Lei Jun (Xiaomi)") == 4


def test_a_new_sponsor_and_a_bulk_update_are_shown_at_once(client, listed):
    (first, second, *_rest), _lead, _source = listed
    read(client, LIST)
    other = factories.delegate(slug="pony-ma")
    set_sponsors(first, [other], seat_exceptions={other.pk: "Seat not yet recorded"})
    item = {item["id"]: item for item in read(client, LIST)[1].json()["results"]}[first.pk]
    assert item["lead_sponsor"].endswith("/delegates/pony-ma/")

    # A queryset update sends no signal; one that moves updated_at is seen all the same.
    Proposal.objects.filter(pk=second.pk).update(title_en="Low-orbit satellites", updated_at=timezone.now())
    item = {item["id"]: item for item in read(client, LIST)[1].json()["results"]}[second.pk]
    assert item["title_en"] == "Low-orbit satellites"


def test_cards_are_kept_per_language(client, listed):
    url = reverse("proposals:proposal_list")
    english = read(client, url)[1].content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "since 2020-05-22" in english
    assert "since 2020-05-22" not in chinese


def page_of(proposal):
    return reverse("proposals:proposal_detail", kwargs={"pk": proposal.pk, "slug": proposal.slug})


def test_a_proposal_page_read_again_reads_one_query_and_a_save_shows_at_once(client, listed):
    (shown, other, *_rest), _lead, source = listed
    shown.related.add(other)
    read(client, page_of(shown))
    queries, again = read(client, page_of(shown))
    assert len(queries) == 1 and "tracker_cache_tag" in queries[0]  # are its tags where they were?
    assert "Satellite internet plan 1" in again.content.decode()

    record_status(shown, date=datetime.date(2020, 6, 1), status=Status.FILED, source=source)
    assert "2020-06-01" in read(client, page_of(shown))[1].content.decode()
    other.title_en = "Low-orbit satellites"  # a proposal the page links to
    other.save()
    assert "Low-orbit satellites" in read(client, page_of(shown))[1].content.decode()


def test_a_kept_proposal_page_follows_the_slug_and_the_day(client, listed):
    (shown, *_rest), _lead, _source = listed
    old_address = page_of(shown)
    read(client, old_address)
    shown.slug = "satellite-internet"
    shown.save()
    moved = client.get(old_address)
    assert moved.status_code == 301 and moved["Location"] == page_of(shown)

    record_status(shown, date=timezone.localdate() - datetime.timedelta(days=40), status=Status.REFERRED,
                  source=factories.source(), authority=factories.authority(), handling_role=HandlingRole.LEAD)
    assert "Reply overdue" not in read(client, page_of(shown))[1].content.decode()  # not yet: the reply is due
    later = timezone.localdate() + datetime.timedelta(days=400)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        assert "Reply overdue" in read(client, page_of(shown))[1].content.decode()


def test_an_editors_page_is_never_kept_for_readers(client, listed):
    (shown, *_rest), _lead, _source = listed
    shown.published = False
    shown.save()
    editor = Client()
    editor.force_login(factories.editor())
    drafted = editor.get(page_of(shown)).content.decode()
    assert "Draft: only editors" in drafted and "Record a step" in drafted
    assert client.get(page_of(shown)).status_code == 404

    shown.published = True
    shown.save()
    assert "Record a step" not in read(client, page_of(shown))[1].content.decode()
    assert "Record a step" in editor.get(page_of(shown)).content.decode()
