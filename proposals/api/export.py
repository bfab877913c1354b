"""CSV export of a filtered proposal list, streamed in keyset chunks so memory holds one chunk, not the table."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from proposals import lifecycle
from tracker.api.pagination import dict_key, keyset_page
from tracker.spreadsheets import cell

from .representations import proposal_rows, proposal_values

CHUNK_SIZE = 2000
HEADER = [
    "id", "url", "title_en", "title_zh", "kind", "number", "session", "status", "status_date", "reply_due_on",
    "overdue", "themes", "sponsors", "lead_sponsor", "created_at", "updated_at",
]

class _Echo:
    """A file-like object whose `write` hands back the line, so csv.writer can feed a generator."""

    def write(self, text):
        return text


def _line(row, links, today):
    due = row["reply_due_on"]
    values = [
        row["id"], links.of("proposal", row["id"]), row["title_en"], row["title_zh"], row["kind"], row["number"],
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
    yield writer.writerow(HEADER)

    def fetch(sliced_queryset):
        return proposal_rows(proposal_values(sliced_queryset))

    position = None  # the start
    while True:
        rows, position = keyset_page(queryset, ordering, position, chunk_size, fetch=fetch, key=dict_key(ordering))
        yield "".join(writer.writerow(_line(row, links, today)) for row in rows)
        if position is None:
            return


def streaming_csv(queryset, ordering, links):
    response = StreamingHttpResponse(csv_chunks(queryset, ordering, links), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="proposals.csv"'
    return response
