"""Forget rows of the deletions feed older than API_DELETIONS_DAYS (at least 90 days); run it daily."""

from django.core.management.base import BaseCommand

from proposals import deletions


class Command(BaseCommand):
    help = "Forget rows of the API's deletions feed older than API_DELETIONS_DAYS (never less than 90 days)."

    def handle(self, *args, **options):
        gone = deletions.prune()
        self.stdout.write(f"Forgot {gone} deletions older than {deletions.kept_days()} days.")
