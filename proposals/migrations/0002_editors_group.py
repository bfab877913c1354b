"""The Editors group: every permission editors need to maintain proposals and people, and nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (app label, model name): editors add, change, delete and view these. Users, groups, tokens and the
# log stay with administrators.
EDITED_MODELS = [
    ("proposals", "body"),
    ("proposals", "session"),
    ("proposals", "theme"),
    ("proposals", "authority"),
    ("proposals", "source"),
    ("proposals", "proposal"),
    ("proposals", "sponsorship"),
    ("proposals", "statusevent"),
    ("people", "delegate"),
    ("people", "membership"),
    ("people", "company"),
    ("people", "affiliation"),
    ("people", "companyevent"),
]
ACTIONS = ["add", "change", "delete", "view"]


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    codenames = [f"{action}_{model}" for _, model in EDITED_MODELS for action in ACTIONS]
    permissions = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in EDITED_MODELS}, codename__in=codenames
    )
    group.permissions.set(permissions)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0001_initial"),
        ("people", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
