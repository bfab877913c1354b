"""Print the evaluation of search by meaning (proposals/meaning/evaluation.py) on this database's proposals."""

from django.core.management.base import BaseCommand

from proposals.meaning import evaluation


class Command(BaseCommand):
    help = ("Top-1, top-5 and mean reciprocal rank of search by meaning, the lexical fallback and full-text search "
            "on the evaluation set, and how often the same idea in another year outranks a different idea. "
            "Run it on the 2020 data (manage.py load_seed).")

    def handle(self, *args, **options):
        for line in evaluation.report():
            self.stdout.write(line)
