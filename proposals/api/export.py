"""CSV export of a filtered proposal list, streamed in keyset chunks so memory holds one chunk, not the table.

The file opens as meant in Excel whatever the machine's locale: UTF-8 with a byte-order mark (without it, a
Chinese-locale Excel reads the bytes as GBK), true/false, ISO dates and UTC times with a Z (`tracker.spreadsheets`).
"""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from proposals import lifecycle
from tracker.api.pagination import dict_key, keyset_page
from tracker.spreadsheets import cell

from .representations import proposal_rows, proposal_values

CHUNK_SIZE = 2000
BYTE_ORDER_MARK = "\ufeff"
# The columns, in order, with what each holds: the docs and the bulk index show this table.
COLUMNS = {
    "id": "The proposal's id.",
    "url": "Its API address.",
    "title_en": "Title in English.",
    "title_zh": "Title in Chinese.",
    "summary_en": "Summary in English.",
    "summary_zh": "Summary in Chinese.",
    "kind": "npc_motion, npc_suggestion, cppcc_proposal, or empty when the sources do not say.",
    "number": "The official serial number, if published.",
    "session": "The session's slug (npc-2020).",
    "status": "The status of the latest published step.",
    "status_date": "Its date (YYYY-MM-DD).",
    "reply_due_on": "When the earliest reply still owed is due.",
    "overdue": "true when that reply is late, else false.",
    "themes": "Theme slugs, separated by semicolons.",
    "sponsors": "Sponsoring delegates' slugs, the lead first, separated by semicolons.",
    "lead_sponsor": "The lead sponsor's slug.",
    "created_at": "When it was entered (UTC, ending in Z).",
    "updated_at": "When it last changed (UTC, ending in Z).",
}
HEADER = list(COLUMNS)

class _Echo:
    """A file-like object whose `write` hands back the line, so csv.writer can feed a generator."""

    def write(self, text):
        return text


def _line(row, links, today):
    due = row["reply_due_on"]
    values = [
        row["id"], links.of("proposal", row["id"]), row["title_en"], row["title_zh"], row["summary_en"],
        row["summary_zh"], row["kind"], row["number"],
        row["session__slug"], row["status"], row["status_date"], due, lifecycle.is_overdue(due, today),
        ";".join(row["theme_slugs"] or ()), ";".join(row["sponsor_slugs"] or ()), row["lead_slug"],
        row["created_at"], row["updated_at"],
    ]
    return [cell(value) for value in values]


def csv_chunks(queryset, ordering, links, chunk_size=None):
    """The header line, then the rows a chunk at a time; one query per chunk on PostgreSQL."""
    chunk_size = chunk_size or CHUNK_SIZE
    writer = csv.writer(_Echo())
    today = timezone.localdate()
    yield BYTE_ORDER_MARK + writer.writerow(HEADER)

    def fetch(sliced_queryset):
        return proposal_rows(proposal_values(sliced_queryset))

    position = None  # the start
    while True:
        rows, position = keyset_page(queryset, ordering, position, chunk_size, fetch=fetch, key=dict_key(ordering))
        yield "".join(writer.writerow(_line(row, links, today)) for row in rows)
        if position is None:
            return


def streaming_csv(queryset, ordering, links, filename="proposals.csv"):
    response = StreamingHttpResponse(csv_chunks(queryset, ordering, links), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
