"""Fill the database with synthetic proposals, to try the tracker at the scale of many years of sessions."""

import time

from django.core.management.base import BaseCommand, CommandError

from proposals import synthetic


class Command(BaseCommand):
    help = (
        "Create N synthetic proposals with delegates, companies, themes, sessions and status timelines in "
        "realistic proportions. Refuses to mix them into a database holding real proposals unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--proposals", type=int, default=100_000, help="How many proposals (default 100000).")
        parser.add_argument("--clear", action="store_true", help="First delete the synthetic rows of earlier runs.")
        parser.add_argument("--force", action="store_true", help="Run even though real proposals are present.")
        parser.add_argument("--seed", type=int, default=2020, help="Random seed, for the same data every time.")
        parser.add_argument("--batch", type=int, default=5000, help="Proposals written per transaction.")

    def handle(self, *, proposals, clear, force, seed, batch, **options):
        if proposals < 0 or batch < 1:
            raise CommandError("--proposals must be 0 or more and --batch at least 1.")
        real = synthetic.foreign_proposal_count()
        if real and not force:
            raise CommandError(
                f"The database holds {real} proposals that are not synthetic. Synthetic data would be mixed "
                "into them; use another database, or --force if that is what you want."
            )
        started = time.monotonic()
        if clear:
            synthetic.clear()
            self.stderr.write(f"Cleared earlier synthetic data in {time.monotonic() - started:.1f}s.")
        elif synthetic.synthetic_rows_present():
            raise CommandError("Synthetic data from an earlier run is present; add --clear to replace it.")
        seeder = synthetic.Seeder(synthetic.Scale(proposals=proposals, batch=batch), seed=seed, stderr=self.stderr)
        counts = seeder.run()
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(f"Created {summary} in {time.monotonic() - started:.0f}s.")
