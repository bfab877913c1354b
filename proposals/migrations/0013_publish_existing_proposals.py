"""Every proposal stored before drafts existed was shown to readers: it stays published, as of its creation."""

from django.db import migrations
from django.db.models import F


def publish_all(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Proposal.objects.using(schema_editor.connection.alias).filter(published=False).update(
        published=True, published_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("proposals", "0012_drafts")]

    operations = [migrations.RunPython(publish_all, migrations.RunPython.noop)]
