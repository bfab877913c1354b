"""Authority scorecards: every figure checked against one worked by hand on a small, known history."""

import datetime

import pytest

from proposals import scorecards
from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2021, 6, 1)


def step(proposal, day, status, source, **details):
    return record_status(proposal, date=day, status=status, source=source, **details)


@pytest.fixture
def history():
    """Two authorities over two sessions; the comments give what each step adds to the scorecards."""
    s2020 = factories.session(opened_on=D(2020, 5, 22), year=2020)
    s2021 = factories.session(opened_on=D(2021, 3, 5), year=2021)
    miit, ndrc = factories.authority(slug="miit", name_en="MIIT"), factories.authority(slug="ndrc", name_en="NDRC")
    cited = factories.source()
    lead, co, separate = HandlingRole.LEAD, HandlingRole.CO_HANDLING, HandlingRole.SEPARATE

    p1 = factories.proposal(session=s2020)  # replied on time (61 days), rehandled, replied again
    step(p1, D(2020, 6, 1), Status.REFERRED, cited, authority=miit, handling_role=lead)
    step(p1, D(2020, 6, 1), Status.REFERRED, cited, authority=ndrc, handling_role=co)
    step(p1, D(2020, 8, 1), Status.REPLIED, cited, authority=miit, reply_grade="B")
    step(p1, D(2020, 8, 20), Status.FEEDBACK, cited, verdict="dissatisfied")
    step(p1, D(2020, 9, 1), Status.REHANDLING, cited)
    step(p1, D(2020, 9, 20), Status.REPLIED, cited, authority=miit, reply_grade="A")
    p2 = factories.proposal(session=s2020)  # replied late (122 days)
    step(p2, D(2020, 6, 1), Status.REFERRED, cited, authority=miit, handling_role=lead)
    step(p2, D(2020, 10, 1), Status.REPLIED, cited, authority=miit, reply_grade="C")
    step(p2, D(2020, 10, 10), Status.FEEDBACK, cited, verdict="satisfied")
    p3 = factories.proposal(session=s2020)  # never answered: overdue since 2020-10-01
    step(p3, D(2020, 7, 1), Status.REFERRED, cited, authority=miit, handling_role=separate)
    p4 = factories.proposal(session=s2020)  # referred late, not yet due on TODAY
    step(p4, D(2021, 4, 1), Status.REFERRED, cited, authority=miit, handling_role=lead)
    p5 = factories.proposal(session=s2021)  # NDRC answers in 31 days
    step(p5, D(2021, 3, 10), Status.REFERRED, cited, authority=ndrc, handling_role=lead)
    step(p5, D(2021, 4, 10), Status.REPLIED, cited, authority=ndrc, reply_grade="A")
    draft = factories.proposal(session=s2020, published=False)  # drafts count nowhere
    step(draft, D(2020, 6, 1), Status.REFERRED, cited, authority=miit, handling_role=lead)
    return {"miit": miit, "ndrc": ndrc, "s2020": s2020, "s2021": s2021}


def test_the_figures_of_one_authority_in_one_session(history):
    card = scorecards.scorecards(TODAY)[(history["miit"].pk, history["s2020"].pk)]
    assert (card.referrals, card.owing, card.replied, card.replied_on_time, card.judged) == (4, 4, 2, 1, 3)
    assert card.on_time_share == pytest.approx(1 / 3)
    assert card.median_days == 91.5  # 61 and 122 days
    assert card.overdue == 1 and card.rehandlings == 1
    assert card.grade_counts() == [("A", 1), ("B", 1), ("C", 1), ("D", 0)]
    assert card.rehandling_rate == pytest.approx(1 / 3)
    assert dict(card.verdict_counts()) == {"satisfied": 1, "basically_satisfied": 0, "dissatisfied": 1}


def test_a_co_handling_referral_counts_as_received_but_owes_nothing(history):
    card = scorecards.scorecards(TODAY)[(history["ndrc"].pk, history["s2020"].pk)]
    assert (card.referrals, card.owing, card.judged, card.overdue) == (1, 0, 0, 0)
    assert card.on_time_share is None and card.median_days is None


def test_every_session_together(history):
    overall = scorecards.scorecards(TODAY)[(history["ndrc"].pk, None)]
    assert (overall.referrals, overall.owing, overall.replied, overall.replied_on_time) == (2, 1, 1, 1)
    assert overall.median_days == 31


def test_the_comparison_sorts_by_any_column(history):
    by_overdue = [authority.slug for authority, _card in scorecards.comparison(today=TODAY)]
    assert by_overdue == ["miit", "ndrc"]
    by_median = [authority.slug for authority, _card in scorecards.comparison(sort="median", today=TODAY)]
    assert by_median == ["ndrc", "miit"]
    in_2021 = dict((authority.slug, card) for authority, card in
                   scorecards.comparison(session=history["s2021"], today=TODAY))
    assert in_2021["miit"].referrals == 0 and in_2021["ndrc"].replied == 1


def test_the_authorities_page_compares_them_sortable_without_javascript(client, history, monkeypatch):
    monkeypatch.setattr("proposals.scorecards.timezone.localdate", lambda: TODAY)
    page = client.get("/authorities/").content.decode()
    miit_row = page.split(">MIIT</a>")[1].split("</tr>")[0]
    for figure in ("4", "2 / 4", "33%", "91.5 days", "</abbr>&nbsp;1", "dissatisfied"):
        assert figure in miit_row, figure
    assert '<strong class="overdue">1</strong>' in miit_row
    assert 'href="?sort=median"' in page and 'aria-sort="descending"' in page
    by_median = client.get("/authorities/?sort=median").content.decode()
    assert by_median.index(">NDRC</a>") < by_median.index(">MIIT</a>")
    only_2021 = client.get(f"/authorities/?session={history['s2021'].slug}").content.decode()
    assert "1 / 1" in only_2021.split(">NDRC</a>")[1].split("</tr>")[0]


def test_an_authority_page_shows_its_scorecard_per_session(client, history, monkeypatch):
    monkeypatch.setattr("proposals.scorecards.timezone.localdate", lambda: TODAY)
    page = client.get(history["miit"].get_absolute_url()).content.decode()
    assert '<span class="stats__number">33%</span> on time' in page
    assert '<span class="stats__number">91.5 days</span> median to reply' in page
    assert "Per session" in page and history["s2020"].name in page


def test_the_api_gives_the_same_figures_for_one_session_or_all(client, history, monkeypatch,
                                                               django_assert_max_num_queries):
    monkeypatch.setattr("proposals.scorecards.timezone.localdate", lambda: TODAY)
    with django_assert_max_num_queries(12):
        answer = client.get("/api/v1/scorecards/", {"session": history["s2020"].slug})
    assert answer.status_code == 200 and answer["ETag"]
    body = answer.json()
    assert body["session"] == history["s2020"].slug and body["sort"] == "overdue"
    rows = {row["authority"]["slug"]: row for row in body["results"]}
    miit = rows["miit"]
    assert (miit["referrals"], miit["owing"], miit["replied"], miit["replied_on_time"], miit["judged"]) == \
        (4, 4, 2, 1, 3)
    assert miit["on_time_share"] == pytest.approx(1 / 3) and miit["median_days_to_reply"] == 91.5
    assert (miit["overdue"], miit["rehandlings"]) == (1, 1)
    assert miit["grades"] == {"A": 1, "B": 1, "C": 1, "D": 0}
    assert miit["verdicts"] == {"satisfied": 1, "basically_satisfied": 0, "dissatisfied": 1}
    assert rows["ndrc"]["on_time_share"] is None  # co-handling only: nothing owed in 2020
    every = client.get("/api/v1/scorecards/", {"sort": "median"}).json()
    assert [row["authority"]["slug"] for row in every["results"]] == ["ndrc", "miit"]
    assert every["results"][0]["median_days_to_reply"] == 31
    again = client.get("/api/v1/scorecards/", {"sort": "median"}, HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 200  # another request's ETag: not this list's


@pytest.mark.parametrize("params, field, words", [
    ({"session": "npc-2030"}, "session", "No session npc-2030."),
    ({"sort": "sideways"}, "sort", "is not a sort"),
    ({"page": "2"}, "page", "Unknown parameter"),
])
def test_the_api_names_a_bad_parameter(client, history, params, field, words):
    answer = client.get("/api/v1/scorecards/", params)
    assert answer.status_code == 400 and words in answer.json()[field][0]


def test_the_scorecards_are_open_to_anonymous_clients_in_the_schema(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/scorecards/"]["get"]
    assert "security" not in operation and "security" not in schema  # no padlock: no credentials asked for
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"session", "sort"}
