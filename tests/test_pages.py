"""The reader pages: what each shows, the timeline drawn, forgiving query parameters, 404s and languages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Proposal
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world():
    """A small tracked world: one session, a theme, a delegate of a company, two proposals with timelines."""
    session = factories.session(
        slug="npc-2020", name_en="3rd Session of the 13th NPC", name_zh="十三届全国人大三次会议",
        opened_on=D(2020, 5, 22), closed_on=D(2020, 5, 28),
    )
    theme = factories.theme(slug="5g", name_en="5G", name_zh="第五代移动通信")
    other_theme = factories.theme(slug="education", name_en="Education", name_zh="教育")
    person = factories.delegate(slug="lei-jun", name_en="Lei Jun", name_zh="雷军")
    company = factories.company(slug="xiaomi", name_en="Xiaomi", name_zh="小米")
    factories.affiliation(delegate=person, company=company, position="founder")
    factories.membership(delegate=person)
    ministry = factories.authority(slug="miit", name_en="Ministry of Industry and Information Technology",
                                   name_zh="工业和信息化部", abbreviation="MIIT")
    cited = factories.source(title="Tech founders at the Two Sessions")

    answered = factories.proposal(
        sponsors=[person], themes=[theme], session=session, title_en="Satellite internet in the plan",
        title_zh="卫星互联网纳入规划", summary_en="Put satellite internet into the 14th Five-Year Plan.",
    )
    record_status(answered, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(answered, date=D(2020, 7, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    record_status(answered, date=D(2020, 9, 1), status=Status.REPLIED, source=cited, authority=ministry,
                  reply_grade="B")
    record_status(answered, date=D(2020, 9, 20), status=Status.FEEDBACK, source=cited, verdict="satisfied")

    waiting = factories.proposal(
        sponsors=[person], themes=[theme, other_theme], session=session, title_en="Disaster warning on phones",
        summary_en="Warn of disasters through smart devices.",
    )
    record_status(waiting, date=D(2020, 5, 22), status=Status.SUBMITTED, source=cited)
    record_status(waiting, date=D(2020, 8, 3), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    return {"session": session, "theme": theme, "delegate": person, "company": company, "authority": ministry,
            "answered": Proposal.objects.get(pk=answered.pk), "waiting": Proposal.objects.get(pk=waiting.pk)}


def text_of(response):
    return response.content.decode()


def test_home_shows_latest_changes_themes_and_sessions(client, world):
    page = text_of(client.get(reverse("proposals:home")))
    assert "Satellite internet in the plan" in page
    assert "Proposer&#x27;s feedback" in page or "Proposer's feedback" in page
    assert world["theme"].get_absolute_url() in page
    assert world["session"].get_absolute_url() in page
    assert 'rel="alternate" type="application/atom+xml"' in page


def test_page_has_landmarks_skip_link_and_one_h1(client, world):
    page = text_of(client.get(world["answered"].get_absolute_url()))
    assert 'href="#content"' in page and 'id="content"' in page
    assert "<header" in page and "<nav" in page and "<main" in page and "<footer" in page
    assert page.count("<h1") == 1
    assert 'for="site-search"' in page and 'for="language-choice"' in page


def test_theme_page_lists_its_proposals_with_status_counts_and_chart(client, world):
    response = client.get(world["theme"].get_absolute_url())
    page = text_of(response)
    assert "Satellite internet in the plan" in page and "Disaster warning on phones" in page
    assert '<svg class="bars-svg"' in page and "<title id=\"theme-chart-title\">" in page
    assert "<table>" in page  # the chart's text equivalent
    filtered = text_of(client.get(world["theme"].get_absolute_url(), {"status": "referred"}))
    assert "Disaster warning on phones" in filtered and "Satellite internet in the plan" not in filtered


def test_theme_page_with_unknown_status_shows_all_with_a_notice(client, world):
    response = client.get(world["theme"].get_absolute_url(), {"status": "nonsense"})
    assert response.status_code == 200
    assert "is not a known status" in text_of(response)


def test_unknown_theme_is_a_404_page(client, world):
    response = client.get(reverse("proposals:theme_detail", kwargs={"slug": "no-such-theme"}))
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_proposal_page_shows_its_stages_once_and_then_the_dated_events(client, world):
    proposal = world["answered"]
    page = text_of(client.get(proposal.get_absolute_url()))
    assert "<svg" not in page.split('class="timeline"')[1].split("</section>")[0]  # drawn once, as the track
    track = page.split('class="stage-track"')[1].split("</ol>")[0]
    assert track.count('class="stage ') == 7 and 'aria-current="step"' in track
    current = track.split('aria-current="step"')[1].split("</li>")[0]
    assert "Replied" in current and "2020-09-01" in current  # where it stands: the last milestone reached
    assert "still to come" in track  # what is left: closed, adopted, implemented
    assert "replied 2020-09-01, 62 days after referral" in page
    for day in ("2020-05-22", "2020-07-01", "2020-09-01", "2020-09-20"):
        assert day in page
    assert "Ministry of Industry and Information Technology" in page and "Lead" in page  # the authority, its role
    assert "B: being solved or planned" in page  # the reply's grade
    assert "Satisfied" in page  # the proposer's verdict
    assert "卫星互联网纳入规划" in page  # the other language alongside
    assert "Tech founders at the Two Sessions" in page  # every event's source


def test_overdue_reply_is_marked_on_the_proposal_and_the_authority(client, world):
    page = text_of(client.get(world["waiting"].get_absolute_url()))
    late = (timezone.localdate() - D(2020, 11, 3)).days
    assert f"Reply overdue since 2020-11-03, by {late:,} days" in page
    assert f'<strong class="overdue">overdue by {late:,} days</strong>' in page  # on the referral it concerns
    authorities = text_of(client.get(reverse("proposals:authority_list")))
    assert '<strong class="overdue">1</strong>' in authorities
    detail = text_of(client.get(world["authority"].get_absolute_url()))
    assert "overdue" in detail and "grade B" in detail


def test_old_slug_redirects_to_the_current_address(client, world):
    proposal = world["answered"]
    response = client.get(reverse("proposals:proposal_detail", kwargs={"pk": proposal.pk, "slug": "old-title"}))
    assert response.status_code == 301 and response["Location"] == proposal.get_absolute_url()
    missing = client.get(reverse("proposals:proposal_detail", kwargs={"pk": 999999, "slug": "x"}))
    assert missing.status_code == 404


def test_list_filters_combine(client, world):
    url = reverse("proposals:proposal_list")
    page = text_of(client.get(url, {"theme": "5g", "status": "feedback", "delegate": "lei-jun"}))
    assert "Satellite internet in the plan" in page and "Disaster warning on phones" not in page
    page = text_of(client.get(url, {"company": "xiaomi", "session": "npc-2020", "status": "referred"}))
    assert "Disaster warning on phones" in page and "Satellite internet in the plan" not in page


def test_filters_survive_paging(client, world):
    session, theme = world["session"], world["theme"]
    for _ in range(55):
        factories.proposal(session=session, themes=[theme])
    page = text_of(client.get(reverse("proposals:proposal_list"), {"theme": "5g", "sort": "title"}))
    assert "Page 1 of 2" in page
    assert "?theme=5g&amp;sort=title&amp;page=2" in page


@pytest.mark.parametrize("params, notice", [
    ({"page": "abc"}, "is not a page number"),
    ({"page": "99999"}, "There is no page 99999"),
    ({"page": "-3"}, "Pages start at 1"),
    ({"theme": "no-such-theme"}, "is not a known theme"),
    ({"sort": "sideways"}, "“sideways” is not a known sort order, so the usual order is used."),
    ({"status": "lost"}, "“lost” is not a known status, so that filter was left out."),
    ({"kind": "poem"}, "“poem” is not a known kind of proposal, so that filter was left out."),
    ({"session": "npc-2030"}, "“npc-2030” is not a known session, so that filter was left out."),
    ({"body": "senate"}, "“senate” is not a known body, so that filter was left out."),
])
def test_bad_list_parameters_show_the_list_with_a_notice(client, world, params, notice):
    response = client.get(reverse("proposals:proposal_list"), params)
    assert response.status_code == 200
    page = text_of(response)
    assert notice in page
    assert "Satellite internet in the plan" in page


def test_a_search_longer_than_the_box_is_cut_at_a_word_and_still_searched(client, world):
    words = "satellite " + "internet " * 40
    page = text_of(client.get(reverse("proposals:proposal_list"), {"q": words}))
    assert "Only the first 200 characters of “Words” were used." in page
    assert "is not a known" not in page
    assert "Satellite internet in the plan" in page and "Disaster warning on phones" not in page


def test_a_nul_in_a_search_is_dropped_and_the_rest_searched(client, world):
    page = text_of(client.get(reverse("proposals:proposal_list"), {"q": "satel\x00lite"}))
    assert "Satellite internet in the plan" in page and "Disaster warning on phones" not in page


def test_repeated_themes_combine_and_unknown_ones_are_named(client, world):
    other = factories.theme(slug="health", name_en="Health")
    factories.proposal(session=world["session"], title_en="Clinics online", themes=[other])
    factories.proposal(session=world["session"], title_en="Schools online", themes=[other])
    page = text_of(client.get(reverse("proposals:proposal_list") + "?theme=5g&theme=health&theme=nope"))
    assert "Schools online" in page and "Satellite internet in the plan" in page
    assert "“nope” is not a known theme" in page and "4 proposals" in page
    assert "5G, Health" in page  # the filters in use, in words
    selected = page.split('name="theme"')[1].split("</select>")[0]
    assert selected.count(" selected") == 2


def test_search_ranks_title_matches_first(client, world):
    factories.proposal(session=world["session"], title_en="Rural schools", summary_en="Bring satellite links there.")
    page = text_of(client.get(reverse("proposals:proposal_list"), {"q": "satellite"}))
    assert page.index("Satellite internet in the plan") < page.index("Rural schools")
    assert "Disaster warning on phones" not in page


def test_header_search_lands_on_the_site_search(client, world):
    page = text_of(client.get(reverse("proposals:search"), {"q": "satellite"}))
    assert "<mark>Satellite</mark> internet in the plan" in page


def test_delegate_page_shows_memberships_roles_and_proposals_by_session(client, world):
    page = text_of(client.get(world["delegate"].get_absolute_url()))
    assert "Xiaomi" in page and "founder" in page and "NPC deputy, 13th term" in page
    assert world["session"].name_en in page
    assert "Satellite internet in the plan" in page
    assert reverse("people:feed_delegate", kwargs={"slug": "lei-jun"}) in page


def test_company_page_shows_people_proposals_and_events(client, world):
    company = world["company"]
    event_source = factories.source(title="Entity List notice")
    company.events.create(date=D(2020, 5, 22), kind="sanction", title="Added to the Entity List", source=event_source)
    page = text_of(client.get(company.get_absolute_url()))
    assert "Lei Jun" in page and "Disaster warning on phones" in page and "Added to the Entity List" in page


def test_session_page_shows_status_summary_by_theme(client, world):
    page = text_of(client.get(world["session"].get_absolute_url()))
    assert '<svg class="bars-svg"' in page
    assert "Education" in page and "5G" in page


@pytest.mark.parametrize("name", ["theme_list", "session_list", "authority_list", "proposal_list"])
def test_list_pages_have_empty_states(client, name):
    response = client.get(reverse(f"proposals:{name}"))
    assert response.status_code == 200 and 'class="empty"' in text_of(response)


@pytest.mark.parametrize("name", ["people:delegate_detail", "people:company_detail", "proposals:session_detail",
                                  "proposals:authority_detail"])
def test_unknown_objects_are_404(client, name):
    assert client.get(reverse(name, kwargs={"slug": "nobody"})).status_code == 404


def test_chinese_interface_with_english_alongside(client, world):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    page = text_of(client.get(world["answered"].get_absolute_url()))
    assert '<html lang="zh-Hans">' in page
    assert "<h1>卫星互联网纳入规划</h1>" in page
    assert "Satellite internet in the plan" in page  # the English title alongside
    assert "答复" in page and "征询意见" in page  # statuses by their Chinese terms
    assert "时间线" in page  # the interface itself, from the compiled translations


@pytest.mark.parametrize("status, steps", [
    ("", 0), (Status.ANNOUNCED, 0), (Status.SUBMITTED, 1), (Status.UNDER_REVIEW, 1), (Status.NOT_FILED, 1),
    (Status.FILED, 2), (Status.FEEDBACK, 4), (Status.CLOSED, 5), (Status.IMPLEMENTED, 7), (Status.WITHDRAWN, 0),
])
def test_progress_counts_the_milestones_passed(status, steps):
    from proposals.lifecycle import milestones_reached
    from proposals.templatetags.reader import progress

    assert milestones_reached(status) == steps
    assert progress(status).count("progress__step--done") == steps


def test_timeline_places_unreached_milestones_where_they_belong():
    from types import SimpleNamespace

    from proposals.charts import timeline_rows

    def event(pk, status):
        return SimpleNamespace(pk=pk, status=status)

    rows = timeline_rows([event(1, Status.SUBMITTED), event(2, Status.REFERRED), event(3, Status.WITHDRAWN)], {2})
    assert [(row.status, row.state) for row in rows] == [
        (Status.SUBMITTED, "reached"), (Status.FILED, "skipped"), (Status.REFERRED, "reached"),
        (Status.WITHDRAWN, "reached"), (Status.REPLIED, "never"), (Status.CLOSED, "never"),
        (Status.ADOPTED, "never"), (Status.IMPLEMENTED, "never"),
    ]
    assert [row.overdue for row in rows if row.event] == [False, True, False]
