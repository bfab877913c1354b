"""The national bodies' short Chinese names, for seats and cards in the Chinese interface."""

from django.db import migrations

SHORT = {"npc": "全国人大", "cppcc": "全国政协"}


def fill(apps, schema_editor):
    Body = apps.get_model("proposals", "Body")
    for slug, short in SHORT.items():
        Body.objects.using(schema_editor.connection.alias).filter(slug=slug, abbreviation_zh="").update(
            abbreviation_zh=short)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0015_body_chinese_abbreviation")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
