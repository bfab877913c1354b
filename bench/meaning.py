"""Benchmark of search by meaning at 100,000 proposals on PostgreSQL (docs/meaning.md).

    python bench/meaning.py [--database tracker_bench_meaning] [--proposals 100000] [--requests 200] [--keep]

It seeds its own database with `seed_synthetic` (unless it already holds that many synthetic proposals),
measures the proposal page before the proposals have vectors, embeds all of them with `embed_proposals`
(which prints its time and peak memory with a progress bar), restarts gunicorn (2 workers, DEBUG off) and
measures `similar/?text=` (the query's embedding included), `{id}/similar/` and the proposal page again, each
with `Cache-Control: no-cache` so the response cache runs the view, and the memory the workers gained by
serving them. It drops the database at the end unless `--keep`. Requests go to 127.0.0.1 only, bounded.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import (  # noqa: E402
    PYTHON,
    ROOT,
    database_arguments,
    environment,
    prepare_database,
    request,
    start_server,
    stop_server,
    worker_pids,
)

QUERIES = [
    "卫星互联网", "5G base stations in rural areas", "网络安全标准", "tax relief for small firms",
    "pilot zones in western provinces", "人工智能基础设施", "national plan for cloud computing", "教育公平",
    "remove rules that hold back the industrial internet", "智能交通试点", "disaster warning on phones",
    "数字经济发展规划",
]
NO_CACHE = {"Cache-Control": "no-cache"}


def memory(pid):
    """(RSS, PSS, private) of a process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"):
            values[parts[0]] = int(parts[1]) / 1024
    return values["Rss:"], values["Pss:"], values["Private_Clean:"] + values["Private_Dirty:"]


def timed(args, urls, expect=200):
    """p50 and p90 in ms of GETs of `urls` (one at a time, no-cache), after a few warm-up requests."""
    for url in urls[:5]:
        request(args.port, url, NO_CACHE)
    times = []
    deadline = time.monotonic() + args.seconds
    for url in urls:
        started = time.perf_counter()
        status, _headers, body = request(args.port, url, NO_CACHE)
        times.append((time.perf_counter() - started) * 1000)
        if status != expect:
            raise SystemExit(f"{url}: {status} {body[:200]!r}")
        if time.monotonic() > deadline:
            break
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)], len(times)


def proposal_ids(args, count):
    import psycopg2

    connection = psycopg2.connect(host=args.db_host, user="postgres", dbname=args.database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, slug FROM proposals_proposal WHERE published ORDER BY random() LIMIT %s", [count])
        rows = cursor.fetchall()
    connection.close()
    return rows


def page_urls(rows):
    return [f"/proposals/{pk}-{slug}/" for pk, slug in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_arguments(parser, "tracker_bench_meaning")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120.0, help="at most this long per scenario")
    parser.add_argument("--port", type=int, default=8932)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="model threads while embedding everything")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--skip-embedding", action="store_true",
                        help="keep the vectors a kept database holds (the 'before' page then has them too)")
    parser.add_argument("--log", default="/tmp/tracker-bench-meaning-gunicorn.log")
    args = parser.parse_args()
    env = environment(args)
    prepare_database(args, env)
    rows = proposal_ids(args, args.requests)
    random.seed(2020)
    results = []

    if not args.skip_embedding:
        subprocess.run([PYTHON, "manage.py", "shell", "-c",
                        "from proposals.meaning.models import ProposalVector as V; V.objects.all().delete()"],
                       cwd=ROOT, env=env, check=True)
    server = start_server(args, env)
    try:
        results.append(("proposal page, no vectors yet", *timed(args, page_urls(rows))))
        print(results[-1], flush=True)
    finally:
        stop_server(server)

    if not args.skip_embedding:
        print("Embedding every proposal…", flush=True)
        started = time.perf_counter()
        subprocess.run([PYTHON, "manage.py", "embed_proposals", "--no-pairs"], cwd=ROOT,
                       env={**env, "MEANING_THREADS": str(args.threads)}, check=True)
        print(f"embed_proposals took {time.perf_counter() - started:,.0f} s in all", flush=True)

    server = start_server(args, env)
    try:
        workers = worker_pids(server.pid)
        for _round in range(5):  # what a worker holds after ordinary pages, before any similarity
            for url in ("/proposals/", "/themes/", "/api/v1/proposals/", "/sessions/"):
                request(args.port, url, NO_CACHE)
        baseline = {pid: memory(pid) for pid in workers}
        # Quoted: most queries are Chinese, and a request line is ASCII.
        texts = [f"/api/v1/proposals/similar/?text={urllib.parse.quote(f'{QUERIES[i % len(QUERIES)]} {i}')}&limit=10"
                 for i in range(args.requests)]
        results.append(("similar/?text= (embedding included)", *timed(args, texts)))
        print(results[-1], flush=True)
        results.append(("{id}/similar/", *timed(args, [f"/api/v1/proposals/{pk}/similar/?limit=10"
                                                     for pk, _slug in rows])))
        print(results[-1], flush=True)
        results.append(("proposal page, with similar proposals", *timed(args, page_urls(rows))))
        print(results[-1], flush=True)
        after = {pid: memory(pid) for pid in workers}
    finally:
        stop_server(server)

    print(f"\nPostgreSQL {args.database}, {args.proposals:,} proposals, gunicorn {args.workers} workers, "
          f"one model thread each")
    print(f"{'scenario':<40} {'p50 ms':>8} {'p90 ms':>8} {'requests':>9}")
    for name, p50, p90, count in results:
        print(f"{name:<40} {p50:>8.1f} {p90:>8.1f} {count:>9}")
    print("\nmemory per worker, MB (RSS / PSS / private): before similarity requests -> after, added")
    for pid in workers:
        (rss0, pss0, own0), (rss1, pss1, own1) = baseline[pid], after[pid]
        print(f"  worker {pid}: {rss0:.0f}/{pss0:.0f}/{own0:.0f} -> {rss1:.0f}/{pss1:.0f}/{own1:.0f}, "
              f"added {rss1 - rss0:.0f}/{pss1 - pss0:.0f}/{own1 - own0:.0f}")
    if not args.keep:
        import psycopg2

        admin = psycopg2.connect(host=args.db_host, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.close()
        print(f"dropped {args.database}")


if __name__ == "__main__":
    main()
