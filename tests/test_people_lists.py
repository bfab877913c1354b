"""Delegate and company lists readers can work through: names in any language, filters, sorts, numbered pages."""

import pytest
from django.urls import reverse
from django.utils import translation

from people.models import Membership, seat_summaries
from proposals.bilingual import chinese_number

from . import factories

pytestmark = pytest.mark.django_db

DELEGATES = reverse("people:delegate_list")
COMPANIES = reverse("people:company_list")


@pytest.fixture
def people():
    npc = factories.body(slug="npc", abbreviation="NPC", abbreviation_zh="全国人大")
    cppcc = factories.body(kind="conference", slug="cppcc", abbreviation="CPPCC", abbreviation_zh="全国政协")
    lei = factories.delegate(slug="lei-jun", name_en="Lei Jun", name_zh="雷军", name_pinyin="Lei Jun")
    zhang = factories.delegate(slug="zhang-yunyong", name_en="Zhang Yunyong", name_zh="张云勇",
                               name_pinyin="Zhang Yunyong", other_names="Zhang Yunrong")
    ding = factories.delegate(slug="ding-lei", name_en="Ding Lei", name_zh="丁磊", name_pinyin="Ding Lei")
    for term in (13, 14):
        factories.membership(delegate=lei, body=npc, term=term)
    factories.membership(delegate=zhang, body=cppcc, term=13, role=Membership.Role.MEMBER)
    factories.membership(delegate=ding, body=cppcc, term=13, role=Membership.Role.MEMBER)
    factories.affiliation(delegate=lei, company=factories.company(name_en="Xiaomi", sector="electronics"))
    factories.affiliation(delegate=ding, company=factories.company(name_en="NetEase", sector="internet"))
    session = factories.session(body=npc, term=13)
    factories.proposal(session=session, sponsors=[lei])
    factories.proposal(session=session, sponsors=[lei])
    return {"lei": lei, "zhang": zhang, "ding": ding}


def names_on(client, url, **params):
    page = client.get(url, params)
    assert page.status_code == 200
    return [delegate.name_en for delegate in page.context["page"].object_list]


@pytest.mark.parametrize(("typed", "found"), [
    ("雷", ["Lei Jun"]), ("yunrong", ["Zhang Yunyong"]), ("ding", ["Ding Lei"]), ("LEI", ["Ding Lei", "Lei Jun"]),
])
def test_a_name_in_any_language_or_spelling(client, people, typed, found):
    assert names_on(client, DELEGATES, q=typed) == found


def test_filters_by_body_term_and_sector_and_sorts_by_proposals(client, people):
    assert names_on(client, DELEGATES, body="cppcc") == ["Ding Lei", "Zhang Yunyong"]
    assert names_on(client, DELEGATES, body="npc", term="14") == ["Lei Jun"]
    assert names_on(client, DELEGATES, body="cppcc", term="14") == []
    assert names_on(client, DELEGATES, sector="internet") == ["Ding Lei"]
    assert names_on(client, DELEGATES, sort="proposals")[0] == "Lei Jun"


def test_an_unknown_filter_value_is_left_out_with_a_notice(client, people):
    page = client.get(DELEGATES, {"body": "nope"})
    assert "is not a known body" in page.content.decode()


def test_seats_are_shown_with_their_terms_together(people):
    memberships = list(people["lei"].memberships.select_related("body"))
    assert seat_summaries(memberships) == ["NPC deputy, 13th and 14th terms"]
    with translation.override("zh-hans"):
        assert seat_summaries(memberships) == ["全国人大代表（第十三、十四届）"]
    assert [chinese_number(n) for n in (1, 10, 13, 20, 21)] == ["一", "十", "十三", "二十", "二十一"]


def test_a_delegate_without_proposals_says_so_in_one_line(client, people):
    page = client.get(DELEGATES).content.decode()
    assert page.count("no proposal recorded yet") == 2  # Zhang Yunyong and Ding Lei


def test_companies_in_natural_order_and_by_pinyin_for_chinese_readers(client):
    for number in (10, 2, 1):
        factories.company(name_en=f"Company {number}", name_zh=f"公司{number}")
    factories.company(name_en="Alibaba", name_zh="阿里巴巴")
    listed = [company.name_en for company in client.get(COMPANIES).context["page"].object_list]
    assert listed == ["Alibaba", "Company 1", "Company 2", "Company 10"]
    with translation.override("zh-hans"):
        chinese = client.get(COMPANIES, HTTP_ACCEPT_LANGUAGE="zh-hans", headers={"Cookie": "django_language=zh-hans"})
    assert [company.name_zh for company in chinese.context["page"].object_list][0] == "阿里巴巴"  # a-li…


def test_pages_are_numbered_with_first_and_last(client):
    for index in range(260):
        factories.delegate(name_en=f"Delegate {index:03}")
    page = client.get(DELEGATES, {"page": "3"}).content.decode()
    assert ">First</a>" in page and ">Last</a>" in page and "Page 3 of 6" in page
    assert 'aria-current="page"><span class="visually-hidden">Page </span>3</span>' in page
