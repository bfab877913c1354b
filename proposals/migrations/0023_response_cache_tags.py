"""What each cached response depends on moves separately: one row per tag ("site", "proposals", "proposal:<id>").

tracker/caching.py sets a tag's version to the data version of the write that touched it, in that write's own
transaction; a cached response is good while none of its tags moved past the version it was computed at.
"""

from django.db import migrations


def create_tag_table(apps, schema_editor):
    schema_editor.execute("CREATE TABLE tracker_cache_tag (tag varchar(80) PRIMARY KEY, version bigint NOT NULL)")


def drop_tag_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE tracker_cache_tag")


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0022_deletion_latest_index"),
    ]

    operations = [migrations.RunPython(create_tag_table, drop_tag_table)]
