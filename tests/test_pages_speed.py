"""What keeps the reader pages fast at scale: no cookie so pages cache, typed delegate and company filters,
counts that stop early, cached theme counts, and proposal cards that match the models they come from."""

import copy
import datetime

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status
from proposals.views import proposal_pages as proposal_views
from proposals.views.cards import proposal_cards

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(scope="module")
def world_rows(module_db):
    """Two founders' proposals on 5G, built once for the module; each test gets its own copy of the objects."""
    session = factories.session(slug="npc-2020", name_en="3rd Session of the 13th NPC",
                                name_zh="十三届全国人大三次会议", opened_on=D(2020, 5, 22))
    theme = factories.theme(slug="5g", name_en="5G", name_zh="第五代移动通信")
    lei = factories.delegate(slug="lei-jun", name_en="Lei Jun", name_zh="雷军", name_pinyin="Léi Jūn")
    ma = factories.delegate(slug="ma-huateng", name_en="Pony Ma", name_zh="马化腾", name_pinyin="Ma Huateng")
    xiaomi = factories.company(slug="xiaomi", name_en="Xiaomi", name_zh="小米")
    tencent = factories.company(slug="tencent", name_en="Tencent", name_zh="腾讯")
    factories.affiliation(delegate=lei, company=xiaomi)
    factories.affiliation(delegate=ma, company=tencent)
    cited = factories.source()
    ministry = factories.authority(slug="miit")
    by_lei = factories.proposal(sponsors=[lei], themes=[theme], session=session, title_en="Satellite internet",
                                title_zh="卫星互联网")
    record_status(by_lei, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(by_lei, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    by_ma = factories.proposal(sponsors=[ma], themes=[theme], session=session, title_en="Digital health records")
    record_status(by_ma, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    return {"session": session, "theme": theme, "lei": lei, "ma": ma, "by_lei": by_lei, "by_ma": by_ma,
            "cited": cited}


@pytest.fixture
def world(world_rows):
    return copy.deepcopy(world_rows)


def listed(client, **params):
    return client.get(reverse("proposals:proposal_list"), params).content.decode()


# No cookie, so anonymous pages are cached.


@pytest.mark.parametrize("page", ["home", "list", "theme", "proposal", "delegate"])
def test_an_anonymous_page_sets_no_cookie(client, world, page):
    url = {
        "home": reverse("proposals:home"), "list": reverse("proposals:proposal_list"),
        "theme": world["theme"].get_absolute_url(), "proposal": world["by_lei"].get_absolute_url(),
        "delegate": world["lei"].get_absolute_url(),
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_the_language_switch_works_without_a_csrf_token(world):
    reader = Client(enforce_csrf_checks=True)
    list_url = reverse("proposals:proposal_list") + "?theme=5g"
    response = reader.post(reverse("proposals:set_language"), {"language": "zh-hans", "next": list_url})
    assert response.status_code == 302 and response["Location"] == list_url
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-Hans">' in reader.get(list_url).content.decode()


def test_the_language_form_posts_to_the_switch_without_a_token(client, world):
    page = listed(client)
    assert f'action="{reverse("proposals:set_language")}" method="post"' in page


def test_the_second_anonymous_read_of_the_list_comes_from_the_cache(settings, world):
    settings.RESPONSE_CACHE = True
    reader = Client()
    first = reader.get(reverse("proposals:proposal_list"))
    with CaptureQueriesContext(connection) as queries:
        second = reader.get(reverse("proposals:proposal_list"))
    assert second.content == first.content
    assert len(queries) == 1  # the data version; the view did not run


def test_a_chinese_reader_gets_the_chinese_page_not_the_cached_english_one(settings, world):
    settings.RESPONSE_CACHE = True
    english = Client().get(reverse("proposals:proposal_list")).content.decode()
    assert '<html lang="en">' in english
    chinese_reader = Client()
    chinese_reader.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = chinese_reader.get(reverse("proposals:proposal_list")).content.decode()
    assert '<html lang="zh-Hans">' in chinese and "卫星互联网" in chinese
    assert "<h1>提案</h1>" in chinese
    # And the English reader after them still gets English.
    assert Client().get(reverse("proposals:proposal_list")).content.decode() == english


# Typed delegate and company filters.


def test_the_filter_form_has_no_option_per_delegate_or_company(client, world):
    page = listed(client)
    assert 'name="delegate"' in page and 'name="company"' in page
    assert 'value="lei-jun"' not in page and 'value="xiaomi"' not in page
    assert '<select name="theme"' in page  # the short lists stay selects
    assert '<option value="5g">5G</option>' in page


def test_a_slug_selects_that_delegate_and_the_field_shows_the_name(client, world):
    page = listed(client, delegate="lei-jun")
    assert "Satellite internet" in page and "Digital health records" not in page
    assert 'name="delegate" value="Lei Jun"' in page
    assert "Delegate <strong>Lei Jun</strong>" in page


@pytest.mark.parametrize("typed", ["Pony Ma", "pony", "马化腾", "Huateng", "ma huateng"])
def test_a_typed_name_matches_in_either_language_or_pinyin(client, world, typed):
    page = listed(client, delegate=typed)
    assert "Digital health records" in page and "Satellite internet" not in page


def test_a_slug_wins_over_names_that_contain_it(client, world):
    # "ma" is in Pony Ma's names and would be in anyone's called Ma; as a slug it means that one delegate.
    ma_slugged = factories.delegate(slug="ma", name_en="Someone Else")
    factories.proposal(sponsors=[ma_slugged], session=world["session"], title_en="Chosen by slug")
    page = listed(client, delegate="ma")
    assert "Chosen by slug" in page and "Digital health records" not in page


def test_company_by_slug_or_by_name(client, world):
    assert "Satellite internet" in listed(client, company="xiaomi")
    page = listed(client, company="腾讯")
    assert "Digital health records" in page and "Satellite internet" not in page
    assert 'name="company" value="Xiaomi"' in listed(client, company="xiaomi")


def test_a_name_nobody_has_lists_nothing(client, world):
    page = listed(client, delegate="Nobody At All")
    assert "No proposals match." in page
    assert 'value="Nobody At All"' in page


# Counts that stop early, and relevance only where it means something.


@pytest.fixture(scope="module")
def many_rows(world_rows):
    """60 proposals about satellites, all changed after the two above, so more than a page of them."""
    for index in range(60):
        made = factories.proposal(session=world_rows["session"], title_en=f"Satellite plan {index}",
                                  summary_en="Orbit.")
        record_status(made, date=D(2020, 8, 1) + datetime.timedelta(days=index), status=Status.SUBMITTED,
                      source=world_rows["cited"])


@pytest.fixture
def many(many_rows, world):
    return world


def test_filtered_lists_give_their_exact_count_and_every_page(client, many):
    page = listed(client, session="npc-2020")
    assert "62 proposals" in page and "+" not in page.split("result-count")[1][:200]
    assert "Page 1 of 2" in page and 'rel="next"' in page and ">Last<" in page
    page = listed(client, session="npc-2020", page=2)
    assert "62 proposals" in page and "Page 2 of 2" in page and ">First<" in page


def test_a_filtered_count_is_kept_until_the_next_write(client, many):
    listed(client, session="npc-2020")
    # Another page of the same list counts nothing: its total is kept for this data version.
    with CaptureQueriesContext(connection) as queries:
        listed(client, session="npc-2020", page=2)
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]
    factories.proposal(session=many["session"], title_en="One more")
    assert "63 proposals" in listed(client, session="npc-2020")


def test_the_unfiltered_list_shows_the_whole_total(client, many):
    assert "62 proposals" in listed(client)


def test_a_search_with_few_matches_is_ranked(client, many):
    factories.proposal(session=many["session"], title_en="Rural schools", summary_en="Bring satellite links there.")
    page = listed(client, q="schools satellite")
    assert "Rural schools" in page and "listed by last status change" not in page


def newest_summary_match(world):
    """A proposal with the word only in its summary, changed after all the others."""
    rural = factories.proposal(session=world["session"], title_en="Rural schools", summary_en="Bring satellite links.")
    record_status(rural, date=D(2020, 12, 1), status=Status.SUBMITTED, source=world["cited"])


def test_a_search_with_too_many_matches_keeps_recency_order_and_says_so(client, many, monkeypatch):
    monkeypatch.setattr("proposals.views.proposal_pages.RANK_LIMIT", 20)
    newest_summary_match(many)
    page = listed(client, q="satellite")
    assert "More than 20 proposals match, so they are listed by last status change" in page
    # The most recently changed first, although 61 titles with the word would rank above its summary.
    assert page.index("Rural schools") < page.index("Satellite plan 59") < page.index("Satellite plan 20")


def test_ranking_is_kept_under_the_limit(client, many):
    assert proposal_views.RANK_LIMIT >= 62
    newest_summary_match(many)
    page = listed(client, q="satellite")
    assert "listed by last status change" not in page
    assert "Satellite plan 59" in page and "Rural schools" not in page  # ranked 62nd, on the second page
    assert "Rural schools" in listed(client, q="satellite", page=2)


# Theme counts, computed once per data version.


def test_theme_counts_and_chart_follow_every_edit(client, world):
    url = world["theme"].get_absolute_url()
    page = client.get(url).content.decode()
    assert 'All <span class="count">2</span>' in page
    assert 'Submitted <span class="count">1</span>' in page
    record_status(world["by_ma"], date=D(2020, 7, 2), status=Status.REFERRED, source=world["cited"],
                  authority=factories.authority(), handling_role=HandlingRole.LEAD)
    page = client.get(url).content.decode()
    assert 'Submitted <span class="count">' not in page
    assert 'Referred <span class="count">2</span>' in page
    assert "2020: Referred 2" in page  # the chart's description


def test_theme_pages_run_no_count_query_for_the_paginator(client, world):
    url = world["theme"].get_absolute_url()
    client.get(url)  # the counts are now cached for this data version
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, {"status": "referred"}).content.decode()
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert page.count('class="proposal-card"') == 1


# Proposal cards.


def test_cards_say_what_the_models_say(world, settings):
    from django.utils import translation

    proposal = factories.proposal(
        sponsors=[world["lei"], world["ma"]], themes=[world["theme"]], session=world["session"],
        title_en="Late reply", title_zh="答复迟到",
    )
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=world["cited"])
    record_status(proposal, date=D(2020, 6, 1), status=Status.REFERRED, source=world["cited"],
                  authority=factories.authority(), handling_role=HandlingRole.LEAD)
    from proposals.models import Proposal

    for language in ("en", "zh-hans"):
        with translation.override(language):
            fetched = Proposal.objects.filter(pk=proposal.pk).with_related()
            [card] = proposal_cards(fetched)
            model = fetched[0]
            assert card.url == model.get_absolute_url()
            assert (card.title, card.title_alongside) == (model.title, model.alongside("title"))
            assert [(s.url, s.text) for s in card.sponsors] == [
                (s.delegate.get_absolute_url(), s.delegate.name) for s in model.sponsorships.all()]
            assert [(t.url, t.text) for t in card.themes] == [
                (t.get_absolute_url(), t.name) for t in model.themes.all()]
            assert (card.session.url, card.session.text) == (model.session.get_absolute_url(), model.session.name)
            assert card.overdue == model.is_overdue() is True
            assert "2020-06-01" in card.since
    with translation.override("zh-hans"):
        [card] = proposal_cards(Proposal.objects.filter(pk=proposal.pk).with_related())
        assert card.title == "答复迟到" and card.sponsors[0].text == "雷军"
        assert "交办" in card.status_markup


def test_a_card_without_a_status_or_chinese_title(world):
    from proposals.models import Proposal

    bare = factories.proposal(sponsors=[], session=world["session"], title_en="Nothing yet")
    [card] = proposal_cards(Proposal.objects.filter(pk=bare.pk).with_related())
    assert card.title == "Nothing yet" and card.title_alongside == ""
    assert card.sponsors == [] and card.since == "" and not card.overdue
    assert "status--none" in card.status_markup
