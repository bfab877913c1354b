"""The Chinese interface: names in pinyin order, Chinese punctuation, grouped numbers, official session names."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from people.models import Membership
from proposals import bilingual, charts
from proposals.models import Body
from proposals.templatetags.reader import number

from . import factories

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_counts_are_grouped_by_three_in_both_languages():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert number(1234567) == "1,234,567"
            assert number(999) == "999"


def test_chinese_text_takes_chinese_punctuation():
    with translation.override("zh-hans"):
        assert bilingual.listed(["提交", "交办"]) == "提交、交办"
        assert bilingual.clauses(["甲", "乙"]) == "甲；乙"
        assert bilingual.labelled("办结", 3) == "办结：3"
        assert bilingual.aside("逾期") == "（逾期）"
    with translation.override("en"):
        assert bilingual.listed(["Submitted", "Referred"]) == "Submitted, Referred"
        assert bilingual.labelled("Closed", 3) == "Closed: 3"
        assert bilingual.aside("overdue") == " (overdue)"


def test_a_chart_described_for_chinese_readers_uses_chinese_punctuation():
    with translation.override("zh-hans"):
        svg = charts.count_bars_svg([("国家发展和改革委员会", 1200), ("工业和信息化部", 3)], title="逾期",
                                    chart_id="c")
    description = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert description == "国家发展和改革委员会：1,200；工业和信息化部：3"


def test_themes_are_listed_in_pinyin_order_for_chinese_readers(client):
    for slug, en, zh in [("ai", "Artificial intelligence", "人工智能"), ("blockchain", "Blockchain", "区块链"),
                         ("cyber", "Cybersecurity", "网络安全"), ("data", "Data privacy", "数据隐私")]:
        factories.theme(slug=slug, name_en=en, name_zh=zh)
    url = reverse("proposals:theme_list")

    def order(**headers):
        return re.findall(r'href="/themes/([a-z]+)/"', client.get(url, **headers).content.decode())

    assert order() == ["ai", "blockchain", "cyber", "data"]
    assert order(**CHINESE) == ["blockchain", "ai", "data", "cyber"]  # qū, rén, shù, wǎng


def test_counts_on_reader_pages_carry_separators_in_chinese(client, settings):
    session = factories.session(name_en="Session", name_zh="会议")
    for _ in range(3):
        factories.proposal(session=session)
    page = client.get(reverse("proposals:session_list"), **CHINESE).content.decode()
    assert '<td class="num">3</td>' in page
    with translation.override("zh-hans"):
        assert number(12000) == "12,000"


def test_a_session_gets_its_official_chinese_name_when_left_empty():
    npc = factories.body(slug="npc", name_zh="全国人民代表大会")
    cppcc = factories.body(kind=Body.Kind.CONFERENCE, slug="cppcc", name_zh="中国人民政治协商会议全国委员会")
    guangdong = factories.body(kind=Body.Kind.CONFERENCE, slug="gd-cppcc", name_zh="中国人民政治协商会议广东省委员会")
    congress = factories.session(body=npc, term=13, number=3)
    conference = factories.session(body=cppcc, term=14, number=4)
    provincial = factories.session(body=guangdong, term=12, number=5)
    assert congress.default_name_zh() == "第十三届全国人民代表大会第三次会议"
    assert conference.default_name_zh() == "中国人民政治协商会议第十四届全国委员会第四次会议"
    assert provincial.default_name_zh() == "中国人民政治协商会议广东省第十二届委员会第五次会议"
    congress.full_clean()
    assert congress.name_zh == "第十三届全国人民代表大会第三次会议"
    named = factories.session(body=npc, term=13, number=6, name_zh="自定")
    named.full_clean()
    assert named.name_zh == "自定"  # an editor's name is kept


def test_a_delegates_seats_and_companies_are_joined_with_chinese_punctuation(client):
    npc = factories.body(slug="npc", abbreviation="NPC", abbreviation_zh="全国人大", name_zh="全国人民代表大会")
    cppcc = factories.body(kind=Body.Kind.CONFERENCE, slug="cppcc", abbreviation="CPPCC", abbreviation_zh="全国政协")
    person = factories.delegate(name_en="Lei Jun", name_zh="雷军")
    factories.membership(delegate=person, body=npc, term=13)
    factories.membership(delegate=person, body=cppcc, term=12, role=Membership.Role.MEMBER)
    factories.affiliation(delegate=person, company=factories.company(name_en="Xiaomi", name_zh="小米"),
                          position="Founder", position_zh="创始人")
    factories.affiliation(delegate=person, company=factories.company(name_en="Kingsoft", name_zh="金山"),
                          position="Chair", position_zh="董事长")
    page = client.get(reverse("people:delegate_list"), **CHINESE).content.decode()
    seats = ("全国人大代表（第十三届）", "全国政协委员（第十二届）")
    assert "；".join(seats) in page or "；".join(reversed(seats)) in page
    assert re.search(r"(小米创始人；金山董事长|金山董事长；小米创始人)", page)
    english = client.get(reverse("people:delegate_list")).content.decode()
    assert re.search(r"Founder, Xiaomi; Chair, Kingsoft|Chair, Kingsoft; Founder, Xiaomi", english)
