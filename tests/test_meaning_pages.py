"""By meaning on the reader pages and in the editors' admin; Chinese-aware search and names in pinyin."""

import datetime

import pytest
from django.urls import reverse

from proposals.meaning import index, store
from proposals.meaning.models import PairSuggestion
from proposals.models import Proposal

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ideas():
    index.forget()
    sessions = {2020: factories.session(opened_on=D(2020, 5, 22), name_en="NPC 2020"),
                2021: factories.session(opened_on=D(2021, 3, 5), name_en="NPC 2021")}
    lead = factories.delegate(name_en="Lei Jun", name_zh="雷军", name_pinyin="Léi Jūn")
    made = {
        "satellite": factories.proposal(session=sessions[2020], sponsors=[lead],
                                        title_en="Satellite internet in the five-year plan", title_zh="卫星互联网建设",
                                        summary_en="Streamline frequency applications for satellite networks."),
        "again": factories.proposal(session=sessions[2021], sponsors=[lead],
                                    title_en="Grow the satellite internet industry", title_zh="建设卫星互联网产业",
                                    summary_en="Fund private satellite firms and plan the sector from the top.",
                                    summary_zh="设立政府基金支持民营卫星企业。"),
        "coding": factories.proposal(session=sessions[2021], title_en="Coding in the national curriculum",
                                     summary_en="Teach programming in schools."),
        "draft": factories.proposal(session=sessions[2021], title_en="Satellite internet in the five-year plan",
                                    summary_en="Streamline frequency applications for satellites.", published=False),
    }
    store.write_vectors(store.stale_rows(Proposal.objects.all()))
    yield {**made, "sessions": sessions, "lead": lead}
    index.forget()


def test_a_proposal_page_lists_similar_proposals_beside_the_confirmed_ones(client, ideas):
    ideas["satellite"].related.add(ideas["coding"])
    page = client.get(ideas["satellite"].get_absolute_url()).content.decode()
    assert "Same idea in other years" in page and "Linked by the tracker" in page
    similar = page[page.index('id="similar-title"'):]
    assert "Suggested by the tracker" in similar
    assert ideas["again"].title_en in similar and "NPC 2021" in similar and "Lei Jun" in similar
    assert ideas["draft"].get_absolute_url() not in page


def test_similar_proposals_on_the_page_cost_a_few_queries(client, ideas, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert client.get(ideas["satellite"].get_absolute_url()).status_code == 200


def test_search_by_meaning_ranks_by_closeness_in_either_language(client, ideas):
    url = reverse("proposals:proposal_list")
    page = client.get(url, {"q": "卫星上网", "sort": "meaning"}).content.decode()
    assert "Closeness in meaning" in page
    assert page.index(ideas["again"].title_en) < page.index(ideas["coding"].title_en)
    assert ideas["draft"].get_absolute_url() not in page
    english = client.get(url, {"q": "programming lessons for pupils", "sort": "meaning"}).content.decode()
    assert english.index(ideas["coding"].title_en) < english.index(ideas["again"].title_en)


def test_chinese_search_segments_words_and_reads_traditional_characters(ideas):
    def found(text):
        return set(Proposal.objects.published().search(text).values_list("pk", flat=True))

    both = {ideas["satellite"].pk, ideas["again"].pk}
    assert found("卫星互联网建设") == both  # "建设卫星互联网…" has the words in another order
    assert found("衛星網際") == set()  # 網際網路 is not a simplified word: characters convert, not phrases
    assert found("衛星互聯網") == both
    assert found("民营卫星") == {ideas["again"].pk}


def test_delegate_names_match_by_pinyin_with_or_without_tones(ideas):
    for typed in ("leijun", "Lei Jun", "lei2 jun1", "Léi Jūn", "jun lei", "雷軍"):
        assert Proposal.objects.published().filter_by(delegate_named=typed).count() == 2, typed


def test_company_names_match_by_pinyin(ideas):
    xiaomi = factories.company(name_en="Xiaomi", name_zh="小米")
    factories.affiliation(delegate=ideas["lead"], company=xiaomi)
    assert Proposal.objects.published().filter_by(company_named="xiao mi").count() == 2


def test_the_change_page_suggests_earlier_versions_and_themes(editor_client, ideas):
    factories.theme(name_en="Satellite internet", name_zh="卫星互联网",
                    description="Internet access through communications satellites.")
    factories.theme(name_en="Education", description="Schools and curricula.")
    page = editor_client.get(reverse("admin:proposals_proposal_change", args=[ideas["again"].pk])).content.decode()
    assert "Suggested by the tracker" in page
    assert ideas["satellite"].title_en in page and "likely earlier version" in page
    link = reverse("admin:meaning_link_related", args=[ideas["again"].pk, ideas["satellite"].pk])
    assert f'formaction="{link}"' in page
    themes = page[page.index("Themes it may belong to"):]
    assert "Satellite internet" in themes[:themes.index("</p>")]


def test_one_click_links_a_suggestion_as_related(editor_client, ideas):
    link = reverse("admin:meaning_link_related", args=[ideas["again"].pk, ideas["satellite"].pk])
    assert editor_client.get(link).status_code == 405
    response = editor_client.post(link)
    assert response.status_code == 302
    assert list(ideas["again"].related.all()) == [ideas["satellite"]]
    assert PairSuggestion.objects.get().state == PairSuggestion.State.CONFIRMED
    page = editor_client.get(reverse("admin:proposals_proposal_change", args=[ideas["again"].pk])).content.decode()
    assert link not in page  # linked: no longer suggested


def test_the_review_list_confirms_and_dismisses(editor_client, ideas):
    first, second = sorted([ideas["satellite"].pk, ideas["again"].pk])
    suggestion = PairSuggestion.objects.create(first_id=first, second_id=second, score=0.93, model="test")
    changelist = reverse("admin:meaning_pairsuggestion_changelist")
    page = editor_client.get(changelist, follow=True).content.decode()
    assert ideas["satellite"].title_en in page and ideas["again"].title_en in page
    editor_client.post(changelist + "?state__exact=suggested",
                       {"action": "dismiss_selected", "_selected_action": [suggestion.pk]})
    suggestion.refresh_from_db()
    assert suggestion.state == PairSuggestion.State.DISMISSED
    assert not ideas["satellite"].related.exists()
    page = editor_client.get(changelist, follow=True).content.decode()
    assert ideas["again"].title_en not in page
