"""Atom feeds of status changes: all, per theme, delegate, company and proposal, linked from the pages."""

import copy
import datetime
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
D = datetime.date


@pytest.fixture(scope="module")
def feeds_rows(module_db):
    """Two proposals on two themes and their status changes, built once: every test here only reads them."""
    session = factories.session(opened_on=D(2020, 5, 21))
    theme, other_theme = factories.theme(slug="5g", name_en="5G"), factories.theme(slug="ai")
    founder = factories.delegate(slug="lei-jun", name_en="Lei Jun")
    company = factories.company(slug="xiaomi")
    factories.affiliation(delegate=founder, company=company)
    cited = factories.source()
    ours = factories.proposal(sponsors=[founder], themes=[theme], session=session, title_en="Satellite internet")
    theirs = factories.proposal(themes=[other_theme], session=session, title_en="Open-source AI platforms")
    record_status(ours, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(ours, date=D(2020, 7, 1), status=Status.REFERRED, source=cited,
                  authority=factories.authority(name_en="Ministry of Industry"), handling_role=HandlingRole.LEAD)
    record_status(theirs, date=D(2020, 5, 21), status=Status.SUBMITTED, source=cited)
    return {"ours": ours, "theirs": theirs, "theme": theme, "delegate": founder, "company": company}


@pytest.fixture
def feeds_world(feeds_rows):
    return copy.deepcopy(feeds_rows)


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    return [(entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}link").get("href"))
            for entry in root.findall(f"{ATOM}entry")]


def test_all_updates_newest_first(client, feeds_world):
    titles = [title for title, _link in entries(client, reverse("proposals:feed_all"))]
    assert titles == [
        "Satellite internet: Referred", "Satellite internet: Submitted", "Open-source AI platforms: Submitted",
    ]


def test_entries_link_to_the_event_on_the_timeline(client, feeds_world):
    links = [link for _title, link in entries(client, reverse("proposals:feed_all"))]
    event = feeds_world["ours"].status_events.latest_first().first()
    assert links[0].endswith(f"{feeds_world['ours'].get_absolute_url()}#event-{event.pk}")


@pytest.mark.parametrize("url_name, key", [
    ("proposals:feed_theme", "theme"), ("people:feed_delegate", "delegate"), ("people:feed_company", "company"),
])
def test_feeds_per_theme_delegate_and_company_hold_only_their_proposals(client, feeds_world, url_name, key):
    titles = [title for title, _link in entries(client, reverse(url_name, kwargs={"slug": feeds_world[key].slug}))]
    assert titles == ["Satellite internet: Referred", "Satellite internet: Submitted"]


def test_feed_per_proposal(client, feeds_world):
    url = reverse("proposals:feed_proposal", kwargs={"pk": feeds_world["theirs"].pk})
    assert [title for title, _link in entries(client, url)] == ["Open-source AI platforms: Submitted"]


def test_unknown_feed_object_is_404(client, feeds_world):
    assert client.get(reverse("proposals:feed_theme", kwargs={"slug": "nothing"})).status_code == 404
    assert client.get(reverse("proposals:feed_proposal", kwargs={"pk": 99999})).status_code == 404


@pytest.mark.parametrize("page, feed", [
    (lambda w: w["theme"].get_absolute_url(), lambda w: reverse("proposals:feed_theme", kwargs={"slug": "5g"})),
    (lambda w: w["delegate"].get_absolute_url(),
     lambda w: reverse("people:feed_delegate", kwargs={"slug": "lei-jun"})),
    (lambda w: w["company"].get_absolute_url(), lambda w: reverse("people:feed_company", kwargs={"slug": "xiaomi"})),
    (lambda w: w["ours"].get_absolute_url(),
     lambda w: reverse("proposals:feed_proposal", kwargs={"pk": w["ours"].pk})),
])
def test_pages_announce_their_feed(client, feeds_world, page, feed):
    html = client.get(page(feeds_world)).content.decode()
    own_feed = 'type="application/atom+xml" title="Status changes of'
    assert own_feed in html or 'type="application/atom+xml" title="Status changes on' in html
    assert f'href="{feed(feeds_world)}"' in html
    all_feed = reverse("proposals:feed_all")
    assert f'type="application/atom+xml" title="All status changes" href="{all_feed}">' in html
