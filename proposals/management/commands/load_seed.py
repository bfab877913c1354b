"""python manage.py load_seed [--path FILE]: load the project's data set, or another file of the same shape."""

from django.core.management.base import BaseCommand, CommandError

from proposals import seed


class Command(BaseCommand):
    help = (
        "Load the 2020 Two Sessions data set (or --path, a file of the same shape) in one transaction. "
        "Records already present are matched by their natural keys and left alone, so running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=seed.DEFAULT_PATH, help="A JSON data file (default: the 2020 data set).")

    def handle(self, *args, path, **options):
        try:
            tally = seed.load(seed.read(path))
        except seed.SeedError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        for line in tally.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Loaded {path}."))
