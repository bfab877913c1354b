"""The deletions feed starts with what the edit history already records as deleted, as the signal would have."""

from django.db import migrations

TYPES = {
    ("proposals", "Proposal"): "proposal", ("proposals", "StatusEvent"): "statusevent",
    ("proposals", "Session"): "session", ("proposals", "Body"): "body", ("proposals", "Theme"): "theme",
    ("proposals", "Authority"): "authority", ("proposals", "Source"): "source",
    ("people", "Delegate"): "delegate", ("people", "Company"): "company",
}


def from_history(apps, schema_editor):
    Deletion = apps.get_model("proposals", "Deletion")
    rows = []
    for (app_label, model_name), type_ in TYPES.items():
        history = apps.get_model(app_label, f"Historical{model_name}")
        deleted = history.objects.filter(history_type="-")
        if type_ in ("proposal", "statusevent"):
            deleted = deleted.filter(published=True)  # drafts never reached readers
        for record in deleted.iterator():
            rows.append(Deletion(type=type_, object_id=record.id, slug=getattr(record, "slug", "") or "",
                                 deleted_at=record.history_date))
    Deletion.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("proposals", "0020_sync_updated_at_and_deletions"),
        ("people", "0007_sync_updated_at_and_deletions"),
    ]

    operations = [migrations.RunPython(from_history, migrations.RunPython.noop)]
