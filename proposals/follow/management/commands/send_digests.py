"""The periodic run of following: digests, overdue alerts, webhook retries. Run it daily from cron or a timer."""

from django.core.management.base import BaseCommand

from proposals.follow import digests, webhooks


class Command(BaseCommand):
    help = ("Note replies newly overdue, mail each follower the digest that is due, and retry webhook "
            "deliveries whose time has come.")

    def add_arguments(self, parser):
        parser.add_argument("--webhooks-only", action="store_true",
                            help="Only retry due webhook deliveries (for a run every few minutes).")

    def handle(self, *args, webhooks_only=False, **options):
        if not webhooks_only:
            report = digests.run()
            self.stdout.write(str(report))
        tried = [webhooks.attempt(pk) for pk in list(webhooks.due_deliveries())]
        done = [delivery for delivery in tried if delivery is not None]
        delivered = sum(delivery.state == delivery.State.DELIVERED for delivery in done)
        self.stdout.write(f"{len(done)} webhook deliveries tried, {delivered} delivered")
