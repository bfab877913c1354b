"""CSV export and import of proposals in the editors' admin: escaped formulas, previews with row errors, rights."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BooleanField
from django.urls import reverse

from proposals.lifecycle import Status
from proposals.models import Proposal
from proposals.resources import escape_formula, unescape_formula
from proposals.services import record_status

from . import factories

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:proposals_proposal_export")
IMPORT = reverse("admin:proposals_proposal_import")
PROCESS_IMPORT = reverse("admin:proposals_proposal_process_import")
FORMULAS = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1:A2)"]


def export_csv(client):
    page = client.get(EXPORT)
    assert page.status_code == 200
    form = page.context["form"]
    data = {"format": "0", "resource": "0"}
    data.update({name: "on" for name, field in form.fields.items() if isinstance(field, BooleanField)})
    response = client.post(EXPORT, data)
    assert response.status_code == 200, getattr(response, "context", None) and response.context["form"].errors
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_has_the_spreadsheet_columns(editor_client):
    lead, co = factories.delegate(slug="lei-jun", name_en="Lei Jun"), factories.delegate(slug="co-signer")
    theme = factories.theme(slug="satellite-internet")
    session = factories.session(slug="13th-npc-3rd")
    proposal = factories.proposal(session=session, sponsors=[lead, co], themes=[theme], title_zh="卫星互联网")
    record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=factories.source())

    (row,) = export_csv(editor_client)

    assert row["id"] == str(proposal.pk)
    assert (row["title_en"], row["title_zh"]) == (proposal.title_en, "卫星互联网")
    assert (row["session"], row["status"], row["status_date"]) == ("13th-npc-3rd", "submitted", "2020-05-22")
    assert (row["sponsors"], row["lead_sponsor"], row["themes"]) == ("lei-jun,co-signer", "Lei Jun",
                                                                    "satellite-internet")


def test_export_escapes_every_formula_cell(editor_client):
    session = factories.session()
    for formula in FORMULAS:
        factories.proposal(session=session, title_en=formula, summary_en=formula)

    rows = export_csv(editor_client)

    assert sorted(row["title_en"] for row in rows) == sorted("'" + formula for formula in FORMULAS)
    assert all(row["summary"].startswith("'") for row in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


@pytest.mark.parametrize("text", [*FORMULAS, "'=already quoted", "plain", "", "3-4"])
def test_formula_escape_round_trips(text):
    escaped = escape_formula(text)
    assert not escaped.startswith(("=", "+", "-", "@"))
    assert unescape_formula(escaped) == text


def upload(client, rows, name="proposals.csv"):
    buffer = io.StringIO()
    columns = ["id", "title_en", "title_zh", "kind", "session", "sponsors", "themes", "summary"]
    columns += [name for name in dict.fromkeys(key for one in rows for key in one) if name not in columns]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    upload_file = SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")
    return client.post(IMPORT, {"format": "0", "resource": "0", "import_file": upload_file})


def confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(PROCESS_IMPORT, {name: form.initial.get(name, "") for name in form.fields}, follow=True)


@pytest.fixture
def import_world():
    session = factories.session(slug="13th-cppcc-3rd", body=factories.body(kind="conference"))
    return {
        "session": session,
        "robin": factories.seated_delegate(session, slug="robin-li"),
        "zhou": factories.seated_delegate(session, slug="zhou-hongyi"),
        "ai": factories.theme(slug="ai"),
    }


def row(**fields):
    return {"id": "", "title_en": "AI infrastructure", "title_zh": "", "kind": "cppcc_proposal",
            "session": "13th-cppcc-3rd", "sponsors": "robin-li", "themes": "ai", "summary": "Build it.", **fields}


def test_import_preview_shows_row_errors_and_confirm_imports_the_good_rows(editor_client, import_world):
    rows = [
        row(title_en="World-leading AI infrastructure", sponsors="robin-li,zhou-hongyi"),
        row(title_en="Mystery", session="no-such-session", sponsors="nobody"),
        row(title_en="'=cmd|' /C calc'!A0", summary="Escaped on export, restored on import."),
    ]

    preview = upload(editor_client, rows)

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "No session with the slug “no-such-session”" in page
    assert "No delegate with the slug “nobody”" in page
    assert [invalid.number for invalid in preview.context["result"].invalid_rows] == [2]
    assert not Proposal.objects.exists()  # the preview writes nothing

    done = confirm(editor_client, preview)

    assert done.status_code == 200
    imported = {p.title_en: p for p in Proposal.objects.all()}
    assert set(imported) == {"World-leading AI infrastructure", "=cmd|' /C calc'!A0"}
    infrastructure = imported["World-leading AI infrastructure"]
    assert infrastructure.lead_sponsor == import_world["robin"]
    assert list(infrastructure.sponsors.order_by("slug")) == [import_world["robin"], import_world["zhou"]]
    assert list(infrastructure.themes.all()) == [import_world["ai"]]
    assert not infrastructure.status_events.exists() and infrastructure.status == ""
    assert "1 row with errors was skipped (row 2)" in done.content.decode()


def test_import_updates_by_id_and_refuses_unknown_ids(editor_client, import_world):
    existing = factories.proposal(session=import_world["session"], sponsors=[import_world["robin"]],
                                  kind="cppcc_proposal")
    preview = upload(editor_client, [
        row(id=existing.pk, title_en="Renamed", sponsors="zhou-hongyi,robin-li"),
        row(id=existing.pk + 1000, title_en="Ghost"),
        row(title_en="A motion", kind="npc_motion"),
    ])
    page = preview.content.decode()
    assert "No proposal has the id" in page
    assert "cannot be submitted to" in page  # a motion is not a CPPCC kind: the model's own rule

    confirm(editor_client, preview)

    existing.refresh_from_db()
    assert existing.title_en == "Renamed"
    assert existing.lead_sponsor == import_world["zhou"]
    assert Proposal.objects.count() == 1


def test_a_translation_flag_reads_true_false_or_empty_and_refuses_other_words(editor_client, import_world):
    preview = upload(editor_client, [
        row(title_en="Translated", summary_zh="建设。", summary_zh_translated="true"),
        row(title_en="Not said", summary_zh="建设。", summary_zh_translated=""),
        row(title_en="Typo", summary_zh="建设。", summary_zh_translated="ture"),
        row(title_en="Nothing translated", summary_zh="", summary_zh_translated="yes"),
    ])
    page = preview.content.decode()
    assert "“ture” is not true or false." in page
    assert "There is no Chinese summary to mark as a translation." in page
    assert [invalid.number for invalid in preview.context["result"].invalid_rows] == [3, 4]

    confirm(editor_client, preview)

    assert dict(Proposal.objects.values_list("title_en", "summary_zh_translated")) == {
        "Translated": True, "Not said": False}


def test_a_file_with_only_bad_rows_cannot_be_confirmed(editor_client, import_world):
    preview = upload(editor_client, [row(sponsors="")])
    assert "confirm_form" not in preview.context
    assert "Name at least one sponsor" in preview.content.decode()


def test_only_editors_import(client):
    staff = User.objects.create_user("reader-staff", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 403
    assert client.get(EXPORT).status_code == 403
