"""python manage.py restore_data FILE [--force]: put back a database written by backup_data."""

from django.core.management.base import BaseCommand
from django.db import connection

from tracker import backups


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup made by backup_data, in one step: on PostgreSQL with "
        "pg_restore --clean --if-exists in a single transaction, on SQLite with its backup API. Refuses a file of "
        "another kind, and a database that already holds tables unless --force (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")
        parser.add_argument("--force", action="store_true",
                            help="Replace the contents of a database that is not empty.")

    def handle(self, *args, file, force, **options):
        backups.restore(connection, file, force=force)
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into {connection.settings_dict['NAME']}."))
