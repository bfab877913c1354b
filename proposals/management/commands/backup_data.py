"""python manage.py backup_data [--output FILE]: the whole database in one file, for restore_data."""

from django.core.management.base import BaseCommand
from django.db import connection

from tracker import backups


class Command(BaseCommand):
    help = (
        "Write the whole database to one file, readable by its owner only: a pg_dump custom-format archive on "
        "PostgreSQL, a copy made by SQLite's online backup API on SQLite. The site may go on running meanwhile. "
        "restore_data puts it back (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="The file to write (default: tracker-<database>-<UTC time>.dump or "
                                             ".sqlite3 in the current directory).")
        parser.add_argument("--force", action="store_true", help="Overwrite the file if it exists.")

    def handle(self, *args, output, force, **options):
        path = backups.backup(connection, output or backups.default_path(connection), replace=force)
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({path.stat().st_size:,} bytes)."))
