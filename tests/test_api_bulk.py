"""Bulk files per session and for everything (JSON Lines and CSV), and the CSV export as Excel reads it."""

import csv
import datetime
import io

import orjson
import pytest
from rest_framework.test import APIClient

from proposals.lifecycle import Status
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def data():
    npc, cppcc = factories.session(slug="npc-2020"), factories.session(slug="cppcc-2020")
    cited = factories.source()
    lei = factories.delegate(name_en="Lei Jun", name_zh="雷军")
    made = []
    for session, title in ((npc, "Disaster warning"), (npc, "=Satellite internet"), (cppcc, "AI platforms")):
        proposal = factories.proposal(session=session, title_en=title, summary_zh="中文摘要", sponsors=[lei])
        record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=cited)
        made.append(proposal)
    factories.proposal(session=npc, published=False)  # a draft: in no file
    return {"npc": npc, "cppcc": cppcc, "proposals": made}


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_index_lists_a_file_per_session_and_format_and_the_columns(data):
    index = APIClient().get(f"{API}/bulk/").json()
    names = {entry["name"]: entry for entry in index["files"]}
    assert {"all.jsonl", "all.csv", "npc-2020.jsonl", "npc-2020.csv", "cppcc-2020.csv"} <= set(names)
    assert names["all.jsonl"]["proposals"] == 3 and names["npc-2020.csv"]["proposals"] == 2
    assert names["all.csv"]["session"] is None and names["npc-2020.csv"]["url"].endswith("/bulk/npc-2020.csv")
    assert index["columns"]["summary_zh"] and list(index["columns"])[:3] == ["id", "url", "title_en"]


def test_json_lines_hold_one_proposal_a_line_with_timeline_and_sponsors(data):
    response = APIClient().get(f"{API}/bulk/npc-2020.jsonl")
    assert response.status_code == 200 and response["Content-Type"] == "application/jsonl"
    lines = [orjson.loads(line) for line in body(response).splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(p.pk for p in data["proposals"][:2])
    assert all(line["timeline"][0]["status"] == "submitted" for line in lines)
    assert all(line["embedded"]["sponsors"][0]["name_zh"] == "雷军" for line in lines)
    assert all(line["embedded"]["session"]["slug"] == "npc-2020" for line in lines)
    everything = body(APIClient().get(f"{API}/bulk/all.jsonl")).splitlines()
    assert len(everything) == 3


def test_bulk_files_revalidate_with_their_etag(data, settings):
    settings.RESPONSE_CACHE = False
    client = APIClient()
    first = client.get(f"{API}/bulk/all.csv")
    assert first["ETag"]
    body(first)
    assert client.get(f"{API}/bulk/all.csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    factories.proposal(session=data["npc"])
    assert client.get(f"{API}/bulk/all.csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_an_unknown_session_or_parameter_is_json(data):
    missing = APIClient().get(f"{API}/bulk/npc-2030.csv")
    assert missing.status_code == 404 and "npc-2030" in missing.json()["detail"]
    assert APIClient().get(f"{API}/bulk/all.csv", {"theme": "5g"}).json()["theme"]


def test_the_csv_opens_in_excel_with_both_summaries(data):
    response = APIClient().get(f"{API}/proposals/export/", {"session": "npc-2020"})
    raw = body(response)
    assert raw.startswith("\ufeff".encode())  # Excel on a Chinese-locale machine reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2 and {"summary_en", "summary_zh"} <= set(rows[0])
    assert {row["summary_zh"] for row in rows} == {"中文摘要"}
    assert {row["overdue"] for row in rows} == {"false"}
    assert all(row["updated_at"].endswith("Z") and "T" in row["updated_at"] for row in rows)
    assert "'=Satellite internet" in {row["title_en"] for row in rows}  # never a formula
    same = body(APIClient().get(f"{API}/bulk/npc-2020.csv"))
    assert same.splitlines()[0] == raw.splitlines()[0]


def test_the_exports_errors_are_json_naming_the_parameter(data):
    for params in ({"theme": "no-such"}, {"updated_since": "2026-12-01T08:34:00"}, {"format": "csv", "x": "1"}):
        response = APIClient().get(f"{API}/proposals/export/", params)
        assert response.status_code == 400 and response["Content-Type"].startswith("application/json"), params
        assert set(response.json()) & set(params), params
    with_accept = APIClient().get(f"{API}/proposals/export/", {"kind": "nope"}, HTTP_ACCEPT="text/csv")
    assert with_accept.status_code == 400 and with_accept.json()["kind"]
