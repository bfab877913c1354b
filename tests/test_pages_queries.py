"""Every reader page runs a bounded number of SQL queries, however many rows it shows."""

import copy
import datetime

import pytest
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status
from tracker.caching import clear_cache

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date
ROWS = 60  # more than one page of 50, so pages show a full page


@pytest.fixture(scope="module")
def crowd_rows(module_db):
    """60 proposals by 60 delegates of one company, on two themes, each referred to one authority.

    Built once for the module: every test here only reads them.
    """
    session = factories.session(slug="npc-2020", opened_on=D(2020, 5, 22))
    themes = [factories.theme(slug="5g"), factories.theme(slug="ai")]
    company = factories.company(slug="big-tech")
    ministry = factories.authority(slug="miit")
    cited = factories.source()
    people = []
    for index in range(ROWS):
        person = factories.delegate()
        factories.affiliation(delegate=person, company=company)
        factories.membership(delegate=person)
        people.append(person)
        proposal = factories.proposal(sponsors=[person, people[0]] if index else [person], themes=themes,
                                      session=session)
        record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
        record_status(proposal, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                      handling_role=HandlingRole.LEAD)
        if index % 2:
            record_status(proposal, date=D(2020, 9, 1), status=Status.REPLIED, source=cited, authority=ministry,
                          reply_grade="A")
    return {"session": session, "theme": themes[0], "company": company, "authority": ministry, "lead": people[0],
            "proposal": proposal}


@pytest.fixture
def crowd(crowd_rows):
    return copy.deepcopy(crowd_rows)


def page_urls(crowd):
    return {
        "home": reverse("proposals:home"),
        "theme list": reverse("proposals:theme_list"),
        "theme": crowd["theme"].get_absolute_url(),
        "proposal list": reverse("proposals:proposal_list"),
        "proposal list, filtered": reverse("proposals:proposal_list") + "?theme=5g&company=big-tech&status=replied",
        "search": reverse("proposals:proposal_list") + "?q=proposal",
        "proposal": crowd["proposal"].get_absolute_url(),
        "session list": reverse("proposals:session_list"),
        "session": crowd["session"].get_absolute_url(),
        "authority list": reverse("proposals:authority_list"),
        "authority": crowd["authority"].get_absolute_url(),
        "delegate list": reverse("people:delegate_list"),
        "delegate": crowd["lead"].get_absolute_url(),
        "company list": reverse("people:company_list"),
        "company": crowd["company"].get_absolute_url(),
        "feed, all": reverse("proposals:feed_all"),
        "feed, theme": reverse("proposals:feed_theme", kwargs={"slug": "5g"}),
        "feed, company": reverse("people:feed_company", kwargs={"slug": "big-tech"}),
    }


# The most queries each page may run; measured counts are a few below these. The authority pages compute
# the scorecards (seven grouped queries, proposals/scorecards.py) once per data version, on the first visit;
# the delegate list's filters read their choices (bodies, terms, sectors); the home page's overview (totals,
# stage and overdue charts, five grouped queries) is likewise computed once per data version. A list of cards
# reads its page's ids and their tags, then the rows of the cards not kept (cards.rendered_cards): cold, as here,
# two queries more than reading the rows at once; warm, three fewer.
BOUNDS = {
    "home": 11, "theme list": 3, "theme": 10, "proposal list": 12, "proposal list, filtered": 13, "search": 12,
    "proposal": 10, "session list": 3, "session": 10, "authority list": 11, "authority": 14, "delegate list": 9,
    "delegate": 11, "company list": 4, "company": 10, "feed, all": 3, "feed, theme": 4, "feed, company": 4,
}


@pytest.mark.parametrize("name", list(BOUNDS))
def test_page_query_count_is_bounded(client, crowd, django_assert_max_num_queries, name):
    url = page_urls(crowd)[name]
    with django_assert_max_num_queries(BOUNDS[name]):
        response = client.get(url)
    assert response.status_code == 200


def test_full_pages_show_fifty_rows(client, crowd):
    """The bound above is met on pages that really list 50 rows."""
    for url in (reverse("proposals:proposal_list"), crowd["theme"].get_absolute_url(),
                crowd["session"].get_absolute_url(), crowd["lead"].get_absolute_url(),
                crowd["company"].get_absolute_url()):
        assert client.get(url).content.decode().count('class="proposal-card"') == 50, url
    assert client.get(reverse("people:delegate_list")).content.decode().count('class="card"') == 50
    assert client.get(crowd["authority"].get_absolute_url()).content.decode().count("<tr>") >= 50


def test_query_count_does_not_grow_with_rows(client, crowd):
    """A page of 10 rows and a page of 50 run the same queries, with nothing kept and with every card kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url, read_before):
        clear_cache()
        if read_before:
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    full, last_page = reverse("proposals:proposal_list"), reverse("proposals:proposal_list") + "?page=2"
    for read_before in (False, True):
        assert count(full, read_before) == count(last_page, read_before)  # page 2: the 10 rows left over
    assert count(full, True) < count(full, False)
