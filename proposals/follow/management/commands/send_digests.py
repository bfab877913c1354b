"""The periodic run of following: overdue alerts, digests, webhook retries; every few minutes (docs/follow.md)."""

import datetime

from django.core.management.base import BaseCommand

from proposals.follow import digests, webhooks


class Command(BaseCommand):
    help = ("Note replies newly overdue and alert their followers, mail every digest that is due (immediate ones "
            "on each run, daily and weekly ones at their hour), and retry webhook deliveries whose time has come.")

    def add_arguments(self, parser):
        parser.add_argument("--webhooks-only", action="store_true",
                            help="Only retry due webhook deliveries.")
        parser.add_argument("--now", action="store_true",
                            help="Send every digest with news at once, whatever its schedule, including changes "
                                 "made seconds ago (to try following out while developing).")

    def handle(self, *args, webhooks_only=False, now=False, **options):
        if not webhooks_only:
            settle = datetime.timedelta(0) if now else None
            self.stdout.write(str(digests.run(settle=settle, everyone=now)))
        tried = [webhooks.attempt(pk) for pk in list(webhooks.due_deliveries())]
        done = [delivery for delivery in tried if delivery is not None]
        delivered = sum(delivery.state == delivery.State.DELIVERED for delivery in done)
        self.stdout.write(f"{len(done)} webhook deliveries tried, {delivered} delivered")
