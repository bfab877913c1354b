"""Benchmark: the production server (gunicorn, DEBUG off) on a PostgreSQL database of 100,000 proposals.

    .venv/bin/python bench/run.py [--database tracker_bench] [--proposals 100000] [--requests 300] [--only include]

Seeds the database with seed_synthetic unless it already holds that many synthetic proposals, starts
gunicorn with two workers on 127.0.0.1, and for each scenario prints requests per second, p50 and p99
latency, CPU per request (the gunicorn workers' and their PostgreSQL backends' user+system time from
/proc, divided by the requests), SQL queries per request (counted in this process, on the same database
and code, with CaptureQueriesContext) and the CPU ratio to the constant-bytes ceiling view. Scenarios
marked "uncached" send `Cache-Control: no-cache`, which makes the response cache run the view. Only
127.0.0.1 is loaded; every scenario is bounded in requests and in seconds.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Scenario:
    name: str
    urls: list
    headers: dict = field(default_factory=dict)
    expect: int = 200
    target: str = ""
    check: object = None  # (row, ceiling) -> bool


@dataclass
class Result:
    scenario: Scenario
    requests: int
    seconds: float
    latencies: list
    cpu_seconds: float
    queries: float = float("nan")
    statuses: dict = field(default_factory=dict)

    @property
    def rps(self):
        return self.requests / self.seconds

    def percentile(self, share):
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    @property
    def cpu_ms(self):
        return self.cpu_seconds / self.requests * 1000


def environment(args):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@{args.db_host}:5432/{args.database}",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "bench-only-secret-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",  # Plain HTTP on the loopback: no proxy terminates TLS here.
        TRACKER_BENCH="1",
        GUNICORN_WORKERS=str(args.workers),
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        GUNICORN_MAX_REQUESTS="0",  # A recycled worker would take its CPU counters with it.
        # The API's throttle (600/min for anonymous clients) would answer most of the load with 429.
        API_THROTTLE_ANON="10000000/min",
        API_THROTTLE_USER="10000000/min",
        DJANGO_SETTINGS_MODULE="tracker.settings",
    )
    return env


def manage(env, *arguments):
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def prepare_database(args, env):
    import psycopg2

    admin = psycopg2.connect(host=args.db_host, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{args.database}"')
    admin.close()
    manage(env, "migrate", "--noinput", "-v0")
    connection = psycopg2.connect(host=args.db_host, user="postgres", dbname=args.database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proposals_proposal WHERE slug LIKE 'synthetic-%%'")
        present = cursor.fetchone()[0]
    connection.close()
    if present != args.proposals or args.reseed:
        print(f"Seeding {args.proposals} proposals (found {present})…", flush=True)
        manage(env, "seed_synthetic", "--proposals", str(args.proposals), "--clear")
    else:
        print(f"Reusing {present} synthetic proposals in {args.database}.", flush=True)
    manage(env, "collectstatic", "--noinput", "-v0")


# The server and its processes.


def start_server(args, env):
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "tracker/gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(args.log, "w"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(args.port, "/__bench__/constant/")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {args.log}")
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 30 s; see {args.log}")


def worker_pids(master):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return pids


def backend_pids(args):
    import psycopg2

    connection = psycopg2.connect(host=args.db_host, user="postgres", dbname="postgres")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [args.database]
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cpu_snapshot(pids):
    return {pid: cpu_seconds(pid) for pid in pids}


# The load.


def request(port, url, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", url, headers={"Host": "127.0.0.1", **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def run_load(args, scenario, master):
    """Send the scenario's requests from `args.concurrency` threads; CPU is read around the whole run."""
    count = args.ceiling_requests if scenario.name == "ceiling (constant bytes)" else args.requests
    jobs = [scenario.urls[i % len(scenario.urls)] for i in range(count)]
    latencies, statuses, lock = [], {}, threading.Lock()
    deadline = time.monotonic() + args.seconds

    def worker(share):
        for url in share:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            status = request(args.port, url, scenario.headers)[0]
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    pids_before = worker_pids(master) + backend_pids(args)
    before = cpu_snapshot(pids_before)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(jobs[i :: args.concurrency],)) for i in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    pids_after = set(worker_pids(master) + backend_pids(args)) | set(pids_before)
    after = cpu_snapshot(pids_after)
    used = sum(after[pid] - before.get(pid, 0.0) for pid in pids_after if after[pid])
    return Result(scenario, len(latencies), seconds, latencies, used, statuses=statuses)


def count_queries(scenario):
    """SQL queries for one request, run in this process against the same database with the same settings."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in scenario.headers.items()}
    url = scenario.urls[0]
    client.get(url, **headers)  # Warm: the cached scenarios are measured on their second request.
    counts = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            client.get(url, **headers)
        counts.append(len(captured.captured_queries))
    return statistics.median(counts)


# What is measured.


EMBEDDING = "include=sponsors,themes,session"
THEMES = ["synthetic-5g", "synthetic-artificial-intelligence", "synthetic-cybersecurity", "synthetic-education"]


def scenarios(args):
    fresh = {"Cache-Control": "no-cache"}
    first = request(args.port, "/api/v1/proposals/", fresh)
    etag = first[1].get("ETag", "")
    embedding = [
        Scenario("API list, first page, uncached", ["/api/v1/proposals/"], fresh),
        Scenario(f"API list {EMBEDDING}, uncached", [f"/api/v1/proposals/?{EMBEDDING}"], fresh,
                 target="CPU ≤ 2× plain list", check="embedding"),
        Scenario(f"API list {EMBEDDING}, 4 themes, uncached",
                 [f"/api/v1/proposals/?{EMBEDDING}&theme={slug}" for slug in THEMES], fresh),
    ]
    if args.only == "include":
        return [Scenario("ceiling (constant bytes)", ["/__bench__/constant/"]), *embedding]
    (before_last, page_2000), pages = walk(args, json.loads(first[2]))
    ids = [row["id"] for row in json.loads(first[2])["results"]]
    detail_urls = [request(args.port, f"/proposals/{pk}/")[1].get("Location", f"/proposals/{pk}/") for pk in ids]
    detail_urls = [urllib.parse.urlsplit(url).path for url in detail_urls]
    themes = THEMES
    le = lambda limit: lambda row, ceiling: row.cpu_ms <= limit * ceiling.cpu_ms  # noqa: E731
    p50 = lambda limit: lambda row, ceiling: row.percentile(0.5) <= limit  # noqa: E731
    return [
        Scenario("ceiling (constant bytes)", ["/__bench__/constant/"]),
        Scenario("API list, first page, uncached", ["/api/v1/proposals/"], fresh, target="CPU ≤ 14× ceiling",
                 check=le(14)),
        Scenario(f"API list, page {pages} of the walk, uncached", [page_2000], fresh,
                 target="CPU ≤ 1.2× first page", check="walk"),
        # The page before it too: with exactly 100,000 rows the 2,000th page is the last one, which costs one
        # more query (the pagination looks for rows without a status date after the dated ones run out).
        Scenario(f"API list, page {pages - 1} of the walk, uncached", [before_last], fresh),
        Scenario("API list ?theme=, uncached", [f"/api/v1/proposals/?theme={slug}" for slug in themes], fresh),
        Scenario("API list, cache hit", ["/api/v1/proposals/"], target="CPU ≤ 2× ceiling", check=le(2)),
        Scenario("API list, If-None-Match → 304", ["/api/v1/proposals/"], {"If-None-Match": etag}, expect=304,
                 target="CPU ≤ 2× ceiling", check=le(2)),
        Scenario("HTML proposal list, uncached", ["/proposals/"], fresh, target="p50 ≤ 50 ms", check=p50(50)),
        Scenario("proposal page, uncached", detail_urls, fresh, target="p50 ≤ 50 ms", check=p50(50)),
        Scenario("theme page, uncached", [f"/themes/{slug}/" for slug in themes], fresh, target="p50 ≤ 50 ms",
                 check=p50(50)),
        Scenario(f"search '{args.word}', uncached", [f"/proposals/?q={args.word}"], fresh,
                 target="p50 ≤ 50 ms", check=p50(50)),
        Scenario("HTML proposal list, cache hit", ["/proposals/"]),
        *embedding[1:],
    ]


def walk(args, page):
    """Follow `next` links to the args.walk-th page; returns (the path of the page before it, its path), its number."""
    number, url, previous = 1, "/api/v1/proposals/", "/api/v1/proposals/"
    started = time.perf_counter()
    while number < args.walk and page.get("next"):
        parts = urllib.parse.urlsplit(page["next"])
        previous, url = url, f"{parts.path}?{parts.query}"
        page = json.loads(request(args.port, url, {"Cache-Control": "no-cache"})[2])
        number += 1
    print(f"Walked {number} pages of the API list in {time.perf_counter() - started:.1f}s.", flush=True)
    return (previous, url), number


def measure_export(args, master):
    """Stream the whole CSV export once; the serving worker's peak resident memory (VmHWM) during it."""
    workers = worker_pids(master)
    for pid in workers:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # Reset the peak to the current size.
        except OSError:
            pass
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
    connection.request("GET", args.export, headers={"Host": "127.0.0.1", "Cache-Control": "no-cache"})
    response = connection.getresponse()
    size = lines = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        lines += chunk.count(b"\n")
    connection.close()
    seconds = time.perf_counter() - started
    peaks = {}
    for pid in workers:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1]) / 1024
    return response.status, size, lines, seconds, max(peaks.values(), default=float("nan"))


def print_table(results, ceiling, first_page):
    head = (f"{'scenario':44} {'req':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/req':>10} "
            f"{'× ceiling':>9} {'queries':>7}  target")
    print(head)
    print("-" * (len(head) + 12))
    for row in results:
        scenario = row.scenario
        verdict = ""
        if scenario.check == "walk":
            ratio = row.cpu_ms / first_page.cpu_ms
            verdict = f"{'met' if ratio <= 1.2 else 'MISSED'} ({ratio:.2f}× first)"
        elif scenario.check == "embedding":
            ratio = row.cpu_ms / first_page.cpu_ms
            verdict = f"{'met' if ratio <= 2 else 'MISSED'} ({ratio:.2f}× plain list)"
        elif scenario.check:
            verdict = "met" if scenario.check(row, ceiling) else "MISSED"
        unexpected = {status: n for status, n in row.statuses.items() if status != scenario.expect}
        note = f" unexpected statuses {unexpected}" if unexpected else ""
        print(f"{scenario.name:44} {row.requests:5d} {row.rps:7.1f} {row.percentile(0.5):7.1f} "
              f"{row.percentile(0.99):7.1f} {row.cpu_ms:10.2f} {row.cpu_ms / ceiling.cpu_ms:9.1f} "
              f"{row.queries:7.0f}  {scenario.target} {verdict}{note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="tracker_bench")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true", help="Seed again even if the data is there.")
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="Client threads (default: one per worker).")
    parser.add_argument("--requests", type=int, default=300, help="Requests per scenario.")
    parser.add_argument("--ceiling-requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60, help="Time limit per scenario.")
    parser.add_argument("--walk", type=int, default=2000, help="Which page of the API list walk to measure.")
    parser.add_argument("--word", default="national", help="A common word to search for.")
    parser.add_argument("--export", default="/api/v1/proposals/export/")
    parser.add_argument("--only", choices=["include"], help="include: only the plain list beside the list with "
                        f"{EMBEDDING} (and the ceiling), no walk and no export.")
    parser.add_argument("--log", default="/tmp/tracker-bench-gunicorn.log")
    args = parser.parse_args()

    env = environment(args)
    prepare_database(args, env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    server = start_server(args, env)
    try:
        print(f"gunicorn {server.pid} with workers {worker_pids(server.pid)}; warming up…", flush=True)
        measured = scenarios(args)
        for scenario in measured:  # Warm every worker and its database connection.
            for url in scenario.urls[:4] * args.workers:
                request(args.port, url, scenario.headers)
        results = []
        for scenario in measured:
            result = run_load(args, scenario, server.pid)
            result.queries = count_queries(scenario)
            results.append(result)
            print(f"  {scenario.name}: {result.requests} requests in {result.seconds:.1f}s", flush=True)
        export = None if args.only else measure_export(args, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    ceiling, first_page = results[0], results[1]
    print()
    print(f"PostgreSQL {args.database}, {args.proposals} proposals; gunicorn {args.workers} sync workers, "
          f"DEBUG off, {args.concurrency} client threads on the same machine ({os.cpu_count()} CPUs).")
    print_table(results, ceiling, first_page)
    if export is None:
        return
    status, size, lines, seconds, peak = export
    verdict = "met" if peak < 150 else "MISSED"
    print(f"\nCSV export {args.export}: HTTP {status}, {lines - 1} rows, {size / 1e6:.1f} MB in {seconds:.1f}s; "
          f"serving worker's peak RSS {peak:.0f} MB (target < 150 MB: {verdict})")


if __name__ == "__main__":
    main()
