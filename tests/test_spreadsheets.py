"""CSV and Excel files that newsroom tools read, and imports that say plainly what they will do."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BooleanField

from proposals.models import Proposal

from . import factories
from .test_admin_import_export import EXPORT, IMPORT, confirm

pytestmark = pytest.mark.django_db

COLUMNS = ["id", "title_en", "title_zh", "kind", "session", "sponsors", "themes", "summary"]


@pytest.fixture
def world():
    session = factories.session(slug="cppcc-2020", body=factories.body(kind="conference"))
    return {"session": session, "robin": factories.seated_delegate(session, slug="robin-li"),
            "ai": factories.theme(slug="ai")}


def exported(client, file_format):
    form = client.get(EXPORT).context["form"]
    choices = dict((label.lower(), value) for value, label in form.fields["format"].choices)
    data = {"format": choices[file_format], "resource": "0"}
    data.update({name: "on" for name, field in form.fields.items() if isinstance(field, BooleanField)})
    return client.post(EXPORT, data)


def upload(client, rows, columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    upload_file = SimpleUploadedFile("proposals.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    return client.post(IMPORT, {"format": "0", "resource": "0", "import_file": upload_file})


def row(**fields):
    return {"title_en": "World-leading AI infrastructure", "title_zh": "", "kind": "cppcc_proposal",
            "session": "cppcc-2020", "sponsors": "robin-li", "themes": "ai", "summary": "Build it.", **fields}


def test_the_csv_opens_as_utf8_in_excel_and_writes_true_false(editor_client, world):
    factories.proposal(session=world["session"], sponsors=[world["robin"]], title_zh="人工智能基础设施")
    response = exported(editor_client, "csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel looks for
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["title_zh"] == "人工智能基础设施" and rows[0]["published"] == "true"


def test_an_excel_file_is_offered_too(editor_client, world):
    factories.proposal(session=world["session"], sponsors=[world["robin"]])
    response = exported(editor_client, "xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.content[:2] == b"PK"  # a zip: the xlsx container


def test_importing_the_same_file_twice_makes_no_copies_and_adds_drafts(editor_client, world):
    rows = [row(), row(title_en="Smart transportation infrastructure")]
    confirm(editor_client, upload(editor_client, rows))
    assert Proposal.objects.count() == 2 and not Proposal.objects.filter(published=True).exists()
    again = upload(editor_client, rows)
    types = [line.import_type for line in again.context["result"].valid_rows()]
    assert types == ["skip", "skip"]
    confirm(editor_client, again)
    assert Proposal.objects.count() == 2


def test_a_new_row_that_reads_like_one_already_there_is_refused_naming_it(editor_client, world):
    existing = factories.proposal(session=world["session"], sponsors=[world["robin"]],
                                  title_en="World-leading AI infrastructure")
    preview = upload(editor_client, [row(title_en="World leading A.I. infrastructure")])
    page = preview.content.decode()
    assert f"#{existing.pk} “World-leading AI infrastructure”" in page
    assert 'class="import-row-errors"' in page  # the reasons as text on the page, not in a tooltip
    accepted = upload(editor_client, [row(title_en="World leading A.I. infrastructure",
                                          new_despite_similar="true")],
                      columns=[*COLUMNS, "new_despite_similar"])
    assert [line.import_type for line in accepted.context["result"].valid_rows()] == ["new"]


def test_columns_the_import_ignores_are_named(editor_client, world):
    preview = upload(editor_client, [{**row(), "status": "replied", "lead_sponsor": "x"}],
                     columns=[*COLUMNS, "status", "lead_sponsor"])
    assert preview.context["result"].ignored_columns == ["status", "lead_sponsor"]
    assert "These columns of the file are ignored by the import: status, lead_sponsor" in preview.content.decode()


def test_the_import_page_lists_the_columns_it_really_reads(editor_client):
    page = editor_client.get(IMPORT).content.decode()
    listed = page.split("This importer will import the following fields:")[1].split("</code>")[0]
    assert "title_en" in listed and "sponsors" in listed
    assert "status" not in listed and "lead_sponsor" not in listed and "published" not in listed
