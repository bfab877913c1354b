"""python manage.py intake FILE [--title … --published-on …] [--dry-run] [--json]: read a news report into drafts."""

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from proposals.intake import reading as intake_reading
from proposals.intake import text as intake_text
from proposals.intake import writing


class Command(BaseCommand):
    help = ("Read a news report (.txt or .html) and propose its delegates, companies, session, draft proposals "
            "and company events. Without --dry-run every item is taken in, as drafts; with it nothing is written.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--title", default="")
        parser.add_argument("--author", default="")
        parser.add_argument("--publisher", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--published-on", default="", help="The report's date, YYYY-MM-DD.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be proposed; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the reading as JSON.")

    def handle(self, *args, file, title, author, publisher, url, published_on, dry_run, json: bool, **options):
        try:
            with open(file, "rb") as handle:
                data = handle.read(intake_text.MAX_UPLOAD_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        try:
            date = datetime.date.fromisoformat(published_on) if published_on else None
        except ValueError as error:
            raise CommandError("--published-on: give the date as YYYY-MM-DD.") from error
        try:
            text = intake_text.decode_upload(data, file)
            result = intake_reading.read(text, title=title, author=author, publisher=publisher, url=url,
                                         published_on=date)
        except intake_text.IntakeError as error:
            raise CommandError(f"Nothing was read. {error.message}") from error
        if json:
            self.stdout.write(_dumps(result.as_json()))
        else:
            self._summary(result)
        if dry_run:
            return
        decisions = {item["key"]: {"accept": True}
                     for section in (result.delegates, result.companies, result.proposals, result.company_events)
                     for item in section}
        fields = {"title": result.source["title"], "author": author, "publisher": publisher, "url": url,
                  "published_on": date}
        try:
            written = writing.apply(result, decisions, source_fields=fields)
        except ValidationError as error:
            raise CommandError("Nothing was written. " + " ".join(error.messages)) from error
        self.stderr.write(self.style.SUCCESS(
            f"Wrote {len(written['proposals'])} draft proposals, {len(written['delegates'])} delegates, "
            f"{len(written['companies'])} companies and {len(written['company_events'])} company events "
            f"from source #{written['source'].pk}; {len(written['skipped'])} already taken in."))

    def _summary(self, result):
        self.stdout.write(f"Source: {result.source['title']} ({result.source['characters']} characters)")
        self.stdout.write(f"Session year: {result.year}")
        for item in result.delegates:
            known = f"known as {item['match']['name_en']} ({item['match']['how']})" if item["match"] else "new"
            self.stdout.write(f"Delegate: {item['name']} — {known}; {item['body'] or 'no seat'}")
        for item in result.proposals:
            self.stdout.write(f"Proposal: [{item['sponsor_name']}] {item['title']} "
                              f"(quote {item['quote_start']}-{item['quote_end']})")
        for item in result.company_events:
            self.stdout.write(f"Company event: [{item['company_name']}] {item['kind']}: {item['title'][:80]}")
        for problem in result.problems:
            self.stdout.write(f"Problem: {problem}")


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
