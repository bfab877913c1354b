"""Editors edit the sources of a proposal, now a model of its own (it was an implicit many-to-many table)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACTIONS = ["add", "change", "delete", "view"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("proposals")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="proposals", codename__in=[f"{action}_proposalsource" for action in ACTIONS]))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Editors"):
        group.permissions.remove(*Permission.objects.filter(codename__endswith="_proposalsource"))


class Migration(migrations.Migration):
    dependencies = [("proposals", "0009_explicit_proposal_source"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
