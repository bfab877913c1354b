"""The index of the API's status-date walk: (COALESCE(status_date, 0001-01-01), id, status_date).

Proposals without a status sort as the earliest date, so a keyset page is one range scan on this index
from the newest dated proposal to the last undated one (proposals/api/pagination.py), and the last
page needs no second query to look among the undated rows. status_date itself is a key column so
that a filtered walk (a theme's proposals) can read the index alone, without visiting the table.
"""

import datetime

from django.db import migrations, models
from django.db.models.functions import Coalesce


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_initial"),
        ("proposals", "0003_search_indexes_and_data_version"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                Coalesce("status_date", models.Value(datetime.date(1, 1, 1))), models.F("id"),
                models.F("status_date"), name="proposal_status_walk_idx",
            ),
        ),
    ]
