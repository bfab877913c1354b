"""Intake: a report read into reviewed drafts, each citing its exact quote; from the admin, the command and the API."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from people.models import CompanyEvent, Delegate
from proposals import seed
from proposals.intake import quality, reading, sentences
from proposals.intake.text import IntakeError, clean_text, decode_upload, html_to_text
from proposals.models import Proposal, Source, StatusEvent

REPORTS = Path(__file__).parent / "intake_reports"
SEED_TEXT = (REPORTS / "seed_2020_report.txt").read_text(encoding="utf-8")
INTAKE_URL = "/admin/proposals/source/intake/"


def load(*sections):
    data = seed.read(seed.DEFAULT_PATH)
    seed.load({key: data[key] for key in sections})
    return data


def reference_only():
    return load("bodies", "sessions", "themes")


def with_people():
    return load("bodies", "sessions", "themes", "sources", "companies", "delegates")


def written_counts():
    return (Source.objects.count(), Proposal.objects.count(), Delegate.objects.count(), CompanyEvent.objects.count())


def test_sentences_keep_their_offsets_in_both_languages():
    text = "Mr. Li said so. He also urged U.S. firms to act!\n雷军建议发展卫星互联网。他还提出：“简化程序！”"
    found = sentences.split(text)
    assert [sentence.text for sentence in found] == [
        "Mr. Li said so.", "He also urged U.S. firms to act!", "雷军建议发展卫星互联网。", "他还提出：“简化程序！”"]
    assert all(text[sentence.start:sentence.end] == sentence.text for sentence in found)


def test_html_is_reduced_to_text_without_scripts_or_styles():
    html = ("<html><head><style>p{color:red}</style><script>alert('x')</script></head><body><h1>Title</h1>"
            "<p>Lei Jun &amp; friends <b>suggested</b> it.</p><script>steal()</script><p>Second</p></body></html>")
    text = html_to_text(html)
    assert text == "Title\n\nLei Jun & friends suggested it.\n\nSecond"
    assert decode_upload(html.encode(), "report.html") == text


@pytest.mark.parametrize("given, field, words", [
    ("", "text", "empty"),
    ("   \n  ", "text", "empty"),
    ("x" * (5 * 1024 * 1024), "text", "characters"),
    ("ab\x00cd" * 10, "text", "binary"),
])
def test_bad_text_is_refused_clearly(given, field, words):
    with pytest.raises(IntakeError) as refused:
        clean_text(given)
    assert refused.value.field == field and words in refused.value.message


def test_binary_upload_is_refused():
    with pytest.raises(IntakeError, match="binary"):
        decode_upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "report.txt")
    with pytest.raises(IntakeError, match="UTF-8"):
        decode_upload("报告".encode("gb18030") * 20, "report.txt")
    with pytest.raises(IntakeError, match=".txt or .html"):
        decode_upload(b"hello", "report.pdf")


@pytest.mark.django_db
def test_seed_report_gives_the_data_files_proposals_with_exact_quotes():
    data = with_people()
    result = reading.read(SEED_TEXT).as_json()
    result["_text"] = SEED_TEXT
    figures = quality.compare(result, data)
    assert figures["found with sponsor"] == 12 and figures["drafts not in file"] == 0
    assert figures["drafts without delegate"] == 0 and figures["quotes exact"] is True
    assert figures["delegates matched"] == "7/7" and figures["companies matched"] == "7/7"
    zhang = next(item for item in result["delegates"] if item["name"] == "Zhang Yunrong")
    assert zhang["match"]["slug"] == "zhang-yunyong"
    satellite = next(item for item in result["proposals"] if "satellite-internet" in item["themes"])
    assert satellite["sponsor_name"] == "Lei Jun" and len(satellite["asks"]) == 3
    assert {item["session"] for item in result["proposals"] if item["sponsor_name"] == "Lei Jun"} == {"npc-2020"}
    kinds = {(item["company_name"], item["kind"]) for item in result["company_events"]}
    assert {("Qihoo 360", "sanction"), ("Tencent", "partnership"), ("Xiaomi", "milestone")} <= kinds
    tencent = next(item for item in result["company_events"] if item["kind"] == "partnership")
    assert tencent["date"] == "2019-05-01"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["lei_ding_2021.txt", "zhang_yu_2021_zh.txt"])
def test_own_reports_give_their_expected_results(name):
    from proposals.models import Body, Session

    with_people()
    for slug, opened in (("npc", datetime.date(2021, 3, 5)), ("cppcc", datetime.date(2021, 3, 4))):
        Session.objects.create(slug=f"{slug}-2021", body=Body.objects.get(slug=slug), term=13, number=4, year=2021,
                               name_en=f"{slug} 2021", opened_on=opened, closed_on=opened + datetime.timedelta(days=7))
    expected = json.loads((REPORTS / "expected.json").read_text(encoding="utf-8"))[name]
    text = (REPORTS / name).read_text(encoding="utf-8")
    result = reading.read(text).as_json()
    assert result["session_year"] == expected["session_year"]
    assert {item["name"]: item["match"] and item["match"]["slug"] for item in result["delegates"]} == \
        expected["delegates"]
    found_companies = {item["name"]: item["match"] and item["match"]["slug"] for item in result["companies"]}
    for company_name, slug in expected["companies"].items():
        assert any(found == slug for found in found_companies.values()) if slug else company_name in found_companies
    assert len(result["proposals"]) == len(expected["proposals"])
    for draft, wanted in zip(result["proposals"], expected["proposals"], strict=True):
        assert draft["sponsor_name"] == wanted["sponsor"] and len(draft["asks"]) == wanted["asks"]
        assert all(word in draft["summary"] for word in wanted["words"])
        assert text[draft["quote_start"]:draft["quote_end"]] == draft["quote"]
    events = [(item["kind"], item["date"]) for item in result["company_events"]]
    assert events == [(event["kind"], event["date"]) for event in expected["company_events"]]


@pytest.mark.django_db
def test_a_spelling_one_letter_off_finds_the_known_delegate():
    reference_only()
    Delegate.objects.create(slug="zhang-yunyong", name_en="Zhang Yunyong", name_zh="张云勇")
    text = "Zhang Yunrong, a CPPCC member, suggested that the government should treat 5G as a public utility."
    result = reading.read(text, published_on=datetime.date(2020, 5, 23)).as_json()
    assert result["delegates"][0]["match"]["how"] == "close spelling"
    assert result["proposals"][0]["sponsor_name"] == "Zhang Yunrong"


@pytest.mark.django_db
def test_a_text_naming_nobody_known_writes_nothing(editor_client):
    reference_only()
    before = written_counts()
    response = editor_client.post(INTAKE_URL, {"text": "The weather in Beijing was fine today. " * 5,
                                               "publisher": "Example", "_confirm": "1"})
    assert response.status_code == 200
    assert "nothing to take in" in response.content.decode()
    assert written_counts() == before


@pytest.mark.django_db
def test_bad_input_in_the_admin_is_a_form_error_and_writes_nothing(editor_client):
    reference_only()
    before = written_counts()
    for data in ({"text": "", "publisher": "Example"},
                 {"text": "x" * 700_000, "publisher": "Example"},
                 {"file": SimpleUploadedFile("report.txt", b"\x00\x01\x02binary" * 100), "publisher": "Example"},
                 {"text": SEED_TEXT}):
        response = editor_client.post(INTAKE_URL, data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert written_counts() == before


@pytest.mark.django_db
def test_a_5_mb_paste_is_refused_before_it_is_read(editor_client):
    reference_only()
    response = editor_client.post("/api/v1/intake/", {"text": "x" * (5 * 1024 * 1024)},
                                  content_type="application/json")
    assert response.status_code == 413
    response = editor_client.post(INTAKE_URL, {"text": "x" * (5 * 1024 * 1024), "publisher": "Example"})
    assert response.status_code == 413  # the editor is told it is too large, and the limit
    assert "Too large to send" in response.content.decode() and "2.5 MB" in response.content.decode()
    assert written_counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_done_when_the_seed_report_pasted_in_a_fresh_database_gives_the_data_files_drafts(editor_client):
    data = reference_only()
    fields = {"text": SEED_TEXT, "title": "", "author": "Jingli Song", "publisher": "Unknown", "url": "",
              "published_on": ""}
    review = editor_client.post(INTAKE_URL, {**fields, "_read": "1"})
    assert review.status_code == 200 and "Zhang Yunrong" in review.content.decode()
    assert written_counts() == (0, 0, 0, 0)
    result = review.context["reading"]
    decisions = {f"accept-{item['key']}": "on" for section in (result.delegates, result.companies,
                                                                result.proposals, result.company_events)
                 for item in section}
    confirmed = editor_client.post(INTAKE_URL, {**fields, **decisions, "_confirm": "1"})
    assert confirmed.status_code == 302
    drafts = Proposal.objects.all()
    assert drafts.count() == 12 and not drafts.filter(published=True).exists()
    as_json = result.as_json()
    as_json["_text"] = SEED_TEXT
    assert quality.compare(as_json, data)["found with sponsor"] == 12
    event = StatusEvent.objects.select_related("source").first()
    assert event.source.text[event.quote_start:event.quote_end] == event.quote
    assert event.status == "submitted"
    proposal = drafts.first()
    assert proposal.history.last().history_change_reason.startswith("From intake")  # its creation
    assert Delegate.objects.get(name_en="Zhang Yunrong").memberships.get().body.slug == "cppcc"

    # The same report again: its drafts are found, nothing is created twice.
    again = editor_client.post(INTAKE_URL, {**fields, "_read": "1"})
    assert all(item["taken_in"] for item in again.context["reading"].proposals)
    before = written_counts()
    editor_client.post(INTAKE_URL, {**fields, **decisions, "_confirm": "1"})
    assert written_counts() == before


@pytest.mark.django_db
def test_rejected_and_edited_items(editor_client):
    reference_only()
    fields = {"text": SEED_TEXT, "publisher": "Unknown"}
    result = editor_client.post(INTAKE_URL, {**fields, "_read": "1"}).context["reading"]
    first, second = result.proposals[0], result.proposals[1]
    sponsors = {first["sponsor"], second["sponsor"]}
    decisions = {f"accept-{item['key']}": "on" for item in result.delegates if item["key"] in sponsors}
    decisions.update({f"accept-{first['key']}": "on", f"title-{first['key']}": "Disaster warning on phones",
                      f"themes-{first['key']}": ["disaster-warning"], f"title-{second['key']}": second["title"]})
    editor_client.post(INTAKE_URL, {**fields, **decisions, "_confirm": "1"})
    proposal = Proposal.objects.get()
    assert proposal.title_en == "Disaster warning on phones"
    assert [theme.slug for theme in proposal.themes.all()] == ["disaster-warning"]


@pytest.mark.django_db
def test_review_page_needs_an_editor(client):
    reference_only()
    response = client.get(INTAKE_URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_api_returns_the_reading_and_writes_nothing(editor_client, client):
    with_people()
    before = written_counts()
    response = editor_client.post("/api/v1/intake/", {"text": SEED_TEXT}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert len(body["proposals"]) == 12 and body["session_year"] == 2020
    assert all(SEED_TEXT[item["quote_start"]:item["quote_end"]] == item["quote"] for item in body["proposals"])
    assert written_counts() == before
    empty = editor_client.post("/api/v1/intake/", {"text": ""}, content_type="application/json")
    assert empty.status_code == 400 and "text" in json.dumps(empty.json())
    client.logout()  # the same client as editor_client
    assert client.post("/api/v1/intake/", {"text": SEED_TEXT}, content_type="application/json").status_code in (
        401, 403)


@pytest.mark.django_db
def test_command_dry_run_prints_json_and_writes_nothing(capsys, tmp_path):
    with_people()
    before = written_counts()
    call_command("intake", str(REPORTS / "seed_2020_report.txt"), "--dry-run", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert len(printed["proposals"]) == 12 and printed["proposals"][0]["quote"]
    assert written_counts() == before
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        call_command("intake", str(empty))
    call_command("intake", str(REPORTS / "seed_2020_report.txt"), "--publisher", "Unknown")
    assert Proposal.objects.filter(published=False).count() == 12


@pytest.mark.django_db
def test_reader_page_shows_the_quote_and_opens_the_source_there(client):
    from proposals.services import publish

    with_people()
    call_command("intake", str(REPORTS / "seed_2020_report.txt"), "--publisher", "Unknown")
    proposal = Proposal.objects.filter(title_en__icontains="satellite").get()
    event = proposal.status_events.get()
    assert client.get(reverse("proposals:source_text", kwargs={"pk": event.source_id})).status_code == 200
    publish(proposal)
    page = client.get(proposal.get_absolute_url()).content.decode()
    link = f"/sources/{event.source_id}/?from={event.quote_start}&amp;to={event.quote_end}#quote"
    assert "Lei also suggested the development of satellite internet" in page and link in page
    source_page = client.get(link.replace("&amp;", "&").split("#")[0]).content.decode()
    assert '<mark id="quote">Lei also suggested the development of satellite internet' in source_page
    assert client.get(f"/sources/{event.source_id}/?from=5&to=99999999").status_code == 404
