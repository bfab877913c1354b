"""PostgreSQL full-text search (a generated document column, its GIN index, trigram indexes), and the site-wide data version's one-row table.

The search indexes are expressions (and need pg_trgm), which SQLite cannot build, so they are created
only on PostgreSQL; SQLite keeps substring search. The data version table is plain SQL on both: it
is not a model, only one integer every worker reads by primary key (see tracker/caching.py).
"""

import time

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The weighted English document, kept in a generated column so that matching and ranking read it instead of
# parsing every title and summary again (ranking 15,000 matches: 140 ms parsing, a few ms reading).
# The column is PostgreSQL's alone; Django's model does not declare it (see proposals.querysets.SearchDocument).
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title_en, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B')"
)

POSTGRESQL_INDEXES = [
    (
        f"ALTER TABLE proposals_proposal ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({SEARCH_DOCUMENT})"
        " STORED",
        "ALTER TABLE proposals_proposal DROP COLUMN IF EXISTS search_document",
    ),
    (
        "CREATE INDEX IF NOT EXISTS proposal_search_idx ON proposals_proposal USING gin (search_document)",
        "DROP INDEX IF EXISTS proposal_search_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS proposal_title_zh_trgm_idx ON proposals_proposal USING gin (title_zh gin_trgm_ops)",
        "DROP INDEX IF EXISTS proposal_title_zh_trgm_idx",
    ),
    (
        "CREATE INDEX IF NOT EXISTS proposal_summary_zh_trgm_idx"
        " ON proposals_proposal USING gin (summary_zh gin_trgm_ops)",
        "DROP INDEX IF EXISTS proposal_summary_zh_trgm_idx",
    ),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for create, _drop in POSTGRESQL_INDEXES:
            schema_editor.execute(create)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _create, drop in reversed(POSTGRESQL_INDEXES):
            schema_editor.execute(drop)


def create_version_table(apps, schema_editor):
    schema_editor.execute("CREATE TABLE tracker_data_version (id integer PRIMARY KEY, version bigint NOT NULL)")
    schema_editor.execute("INSERT INTO tracker_data_version (id, version) VALUES (1, %s)", [time.time_ns()])


def drop_version_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE tracker_data_version")


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0002_editors_group"),
    ]

    operations = [
        TrigramExtension(),  # Skipped on databases other than PostgreSQL.
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.RunPython(create_version_table, drop_version_table),
    ]
