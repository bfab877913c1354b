"""The site's search covers delegates, companies, themes and authorities beside proposals, the words marked."""

import pytest
from django.urls import reverse

from . import factories

pytestmark = pytest.mark.django_db

SEARCH = reverse("proposals:search")


@pytest.fixture
def world():
    factories.delegate(name_en="Lei Jun", name_zh="雷军", name_pinyin="Lei Jun")
    factories.company(name_en="Xiaomi", name_zh="小米")
    factories.theme(name_en="Satellite internet", name_zh="卫星互联网")
    factories.authority(name_en="Ministry of Industry and Information Technology", abbreviation="MIIT")
    factories.proposal(title_en="Satellite internet in the plan", title_zh="卫星互联网纳入规划")
    factories.proposal(title_en="A draft about satellites", published=False)


def test_every_kind_of_record_is_found_with_the_words_marked(client, world):
    page = client.get(SEARCH, {"q": "satellite"}).content.decode()
    assert "1 proposal" in page and "<mark>Satellite</mark> internet in the plan" in page
    assert "A draft about" not in page
    assert 'id="found-themes"' in page and "<mark>Satellite</mark> internet</a>" in page
    assert client.get(SEARCH, {"q": "xiaomi"}).context["companies"][0].name_en == "Xiaomi"
    assert client.get(SEARCH, {"q": "MIIT"}).context["authorities"]
    chinese = client.get(SEARCH, {"q": "雷军"}).content.decode()
    assert "<mark>雷军</mark>" in chinese


def test_a_very_long_search_is_cut_with_a_notice(client, world):
    page = client.get(SEARCH, {"q": "satellite " * 40}).content.decode()
    assert "Only the first 200 characters of the search were used." in page


def test_marking_escapes_what_it_marks(client):
    from proposals.templatetags.reader import highlight

    assert str(highlight("<b>5G</b> & more", ["5g"])) == "&lt;b&gt;<mark>5G</mark>&lt;/b&gt; &amp; more"
