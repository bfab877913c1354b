"""Benchmark: one digest run over 10,000 subscriptions and 1,000 changes, on PostgreSQL with 100,000 proposals.

    .venv/bin/python bench/digests.py [--database tracker_bench_follow] [--proposals 100000]
                                      [--subscriptions 10000] [--changes 1000] [--keep]

Creates the database if it is missing (and drops it afterwards unless --keep, or unless it was there before),
seeds it with seed_synthetic when it does not hold that many synthetic proposals, then replaces its
subscriptions and changes with synthetic ones: subscribers following themes, delegates, companies,
authorities, proposals and a few searches, in English and Chinese, and changes of the kinds a day brings
(new steps, overdue replies, new proposals). It runs the digest run once against an SMTP sink on 127.0.0.1 and
prints the time, the messages the sink accepted, the queries (of the whole run, and of each message: they must
not grow with the changes it lists) and the peak memory of the Python heap (tracemalloc) and of the process.
"""

import argparse
import datetime
import os
import random
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="tracker_bench_follow")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true", help="Keep a database this script created.")
    return parser.parse_args()


def prepare_database(args, env):
    """Create, migrate and seed the database; returns whether this run created it."""
    import psycopg2

    admin = psycopg2.connect(host=args.db_host, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database])
        created = cursor.fetchone() is None
        if created:
            cursor.execute(f'CREATE DATABASE "{args.database}"')
    admin.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    connection = psycopg2.connect(host=args.db_host, user="postgres", dbname=args.database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proposals_proposal WHERE slug LIKE 'synthetic-%%'")
        present = cursor.fetchone()[0]
    connection.close()
    if present != args.proposals:
        print(f"Seeding {args.proposals} proposals (found {present})…", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "seed_synthetic", "--proposals", str(args.proposals), "--clear"],
                       cwd=ROOT, env=env, check=True)
        print(f"Seeded in {time.perf_counter() - started:.0f} s.", flush=True)
    else:
        print(f"Reusing {present} synthetic proposals in {args.database}.", flush=True)
    return created


def drop_database(args):
    import psycopg2

    admin = psycopg2.connect(host=args.db_host, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    admin.close()
    print(f"Dropped {args.database}.")


class Sink:
    """An SMTP server's handler that counts what it accepts and keeps nothing."""

    def __init__(self):
        self.messages = self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def synthetic_follow_data(args, rng):
    """Replace subscriptions and changes with synthetic ones; returns (subscribers, subscriptions, changes)."""
    from django.db.models import Max
    from django.utils import timezone

    from people.models import Company, Delegate
    from proposals.follow.models import Change, Sent, Subscriber, Subscription
    from proposals.models import Authority, Proposal, StatusEvent, Theme

    Sent.objects.all().delete()
    Subscriber.objects.all().delete()
    Change.objects.all().delete()
    themes = list(Theme.objects.values_list("pk", "slug"))
    delegates = list(Delegate.objects.values_list("pk", flat=True))
    companies = list(Company.objects.values_list("pk", flat=True))
    authorities = list(Authority.objects.values_list("pk", flat=True))
    proposals = list(Proposal.objects.published().values_list("pk", flat=True))
    searches = [({"theme": slug, "status": status}, f"theme={slug}&status={status}")
                for _, slug in themes[:5] for status in ("referred", "replied")]

    # About 1.7 subscriptions per address: 10,000 subscriptions from some 6,000 readers.
    long_ago = timezone.now() - datetime.timedelta(days=8)
    subscribers = Subscriber.objects.bulk_create([
        Subscriber(email=f"reader{index}@bench.example", language="zh-hans" if index % 3 == 0 else "en")
        for index in range(args.subscriptions * 6 // 10)
    ])
    kinds = ["theme"] * 40 + ["delegate"] * 25 + ["company"] * 10 + ["authority"] * 10 + ["proposal"] * 10 + \
        ["search"] * 5
    wanted, seen = [], set()
    while len(wanted) < args.subscriptions:
        subscriber = subscribers[len(wanted)] if len(wanted) < len(subscribers) else rng.choice(subscribers)
        kind = rng.choice(kinds)
        fields = {}
        if kind == "theme":
            fields["theme_id"] = rng.choice(themes)[0]
        elif kind == "delegate":
            fields["delegate_id"] = rng.choice(delegates)
        elif kind == "company":
            fields["company_id"] = rng.choice(companies)
        elif kind == "authority":
            fields["authority_id"] = rng.choice(authorities)
        elif kind == "proposal":
            fields["proposal_id"] = rng.choice(proposals)
        else:
            filters, query = rng.choice(searches)
            fields.update(filters=filters, query=query)
        key = (subscriber.pk, kind, *sorted((name, str(value)) for name, value in fields.items()))
        if key in seen:
            continue
        seen.add(key)
        wanted.append(Subscription(subscriber=subscriber, kind=kind, confirmed_at=long_ago,
                                   frequency=rng.choice(["immediate", "daily"]), **fields))
    Subscription.objects.bulk_create(wanted, batch_size=2000)

    # A day's changes: new steps (the latest published step of a proposal), replies gone overdue, new proposals.
    made = timezone.now() - datetime.timedelta(minutes=5)
    steps = list(StatusEvent.objects.published().order_by("?").values_list("pk", "proposal_id")
                 [:args.changes * 7 // 10])
    late = list(StatusEvent.objects.published().overdue().order_by("?")
                .values_list("pk", "proposal_id", "reply_due_on")[:args.changes * 2 // 10])
    fresh = rng.sample(proposals, args.changes - len(steps) - len(late))
    Change.objects.bulk_create([
        *(Change(kind="step", event_id=pk, proposal_id=proposal, created_at=made) for pk, proposal in steps),
        *(Change(kind="overdue", event_id=pk, proposal_id=proposal, due_on=due, created_at=made)
          for pk, proposal, due in late),
        *(Change(kind="published", proposal_id=proposal, created_at=made) for proposal in fresh),
    ], ignore_conflicts=True)
    print(f"Synthetic follow data: {len(subscribers)} subscribers, {len(wanted)} subscriptions, "
          f"{Change.objects.count()} changes ({len(steps)} steps, {len(late)} overdue replies, "
          f"{len(fresh)} new proposals); highest change id {Change.objects.aggregate(Max('pk'))['pk__max']}.")


class QueryCounter:
    """Counts the queries of the default connection, in total and within each message sent."""

    def __init__(self):
        self.total, self.current, self.per_message = 0, None, []

    def __call__(self, execute, sql, params, many, context):
        self.total += 1
        if self.current is not None:
            self.current += 1
        return execute(sql, params, many, context)


def main():
    args = arguments()
    rng = random.Random(2020)
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "EMAIL_"))},
        "DATABASE_URL": f"postgres://postgres@{args.db_host}:5432/{args.database}",
        "DJANGO_SETTINGS_MODULE": "tracker.settings", "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-" + "x" * 40, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}", "TASKS_BACKEND": "database",
    }
    created = prepare_database(args, env)
    os.environ.update(env)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        import django

        django.setup()
        from django.db import connection

        from proposals.follow import digests

        synthetic_follow_data(args, rng)
        counter = QueryCounter()
        send = digests._send

        def counted_send(*arguments, **options):
            counter.current = 0
            try:
                return send(*arguments, **options)
            finally:
                counter.per_message.append((counter.current, arguments[2]))
                counter.current = None

        digests._send = counted_send
        tracemalloc.start()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            report = digests.run()
        seconds = time.perf_counter() - started
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        per_message = [count for count, _ in counter.per_message]
        listed = [sum(len(found) for found in pending.values()) for _, pending in counter.per_message]
        outside = counter.total - sum(per_message)
        print()
        print(f"run: {report}")
        print(f"time: {seconds:.1f} s ({seconds / max(1, report.digests + report.alerts) * 1000:.1f} ms per message)")
        print(f"messages accepted by the SMTP sink: {sink.messages} ({sink.bytes / 1e6:.1f} MB)")
        print(f"queries: {counter.total} in all; {outside} outside the messages (read and index the changes, load "
              f"the subscriptions in batches of {digests.BATCH}, move quiet watermarks)")
        if per_message:
            print(f"queries per message: min {min(per_message)}, max {max(per_message)}, while the changes per "
                  f"message ranged from {min(listed)} to {max(listed)}")
        print(f"peak memory: Python heap {heap_peak / 2**20:.0f} MiB (tracemalloc), process "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (max RSS)")
    finally:
        controller.stop()
        if created and not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args)


if __name__ == "__main__":
    main()
