"""Chinese full-text search: the Chinese title and summary cut into words (search_zh), filled for existing rows,
and on PostgreSQL a generated tsvector of those words with its GIN index.

PostgreSQL has no Chinese parser: the app cuts the text with jieba (proposals/meaning/chinese.py) and the
'simple' configuration indexes the words as they are. SQLite keeps substring matching of the query's words.
"""

from django.db import migrations, models

POSTGRESQL = [
    (
        "ALTER TABLE proposals_proposal ADD COLUMN search_document_zh tsvector"
        " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(search_zh, ''))) STORED",
        "ALTER TABLE proposals_proposal DROP COLUMN IF EXISTS search_document_zh",
    ),
    (
        "CREATE INDEX IF NOT EXISTS proposal_search_zh_idx ON proposals_proposal USING gin (search_document_zh)",
        "DROP INDEX IF EXISTS proposal_search_zh_idx",
    ),
]


def fill_search_zh(apps, schema_editor):
    from proposals.meaning.chinese import index_words

    Proposal = apps.get_model("proposals", "Proposal")
    changed = []
    for proposal in Proposal.objects.exclude(title_zh="", summary_zh="").only("title_zh", "summary_zh").iterator():
        proposal.search_zh = index_words(f"{proposal.title_zh or ''}\n{proposal.summary_zh or ''}")
        changed.append(proposal)
        if len(changed) == 1000:
            Proposal.objects.bulk_update(changed, ["search_zh"])
            changed = []
    Proposal.objects.bulk_update(changed, ["search_zh"])


def create_postgresql_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for create, _drop in POSTGRESQL:
            schema_editor.execute(create)


def drop_postgresql_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _create, drop in reversed(POSTGRESQL):
            schema_editor.execute(drop)


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0017_summary_zh_translated'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalproposal',
            name='search_zh',
            field=models.TextField(blank=True, editable=False, verbose_name='Chinese words for search'),
        ),
        migrations.AddField(
            model_name='proposal',
            name='search_zh',
            field=models.TextField(blank=True, editable=False, verbose_name='Chinese words for search'),
        ),
        migrations.RunPython(fill_search_zh, migrations.RunPython.noop),
        migrations.RunPython(create_postgresql_column, drop_postgresql_column),
    ]
