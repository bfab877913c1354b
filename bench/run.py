"""Benchmark: the production server (gunicorn, DEBUG off) on a PostgreSQL database of 100,000 proposals.

    .venv/bin/python bench/run.py [--database tracker_bench] [--proposals 100000] [--duration 10]

Seeds the database with seed_synthetic unless it already holds that many synthetic proposals, starts
gunicorn with two sync workers on 127.0.0.1 and loads each scenario with wrk (`-t1 -c8`, a fixed duration),
as the independent ceiling harness does, so that both measure the same thing. For each scenario it prints
requests per second, p50 and p99 latency, CPU per request and SQL queries per request (counted in this
process, on the same database and code, with CaptureQueriesContext).

CPU per request is the gunicorn master's and workers' user+system time plus that of this database's
PostgreSQL backends, from /proc, divided by the requests wrk completed. `all PG` adds every other
PostgreSQL process too (other databases' backends, autovacuum, the WAL writer), which is what the
harness books as `db`: on a machine shared with other work the two differ, and only the first is this
site's cost. `cpu ratio` is the CPU per request of `/__bench__/hello` (a plain Django view answering a
precomputed 37 KB page with no middleware, the harness's `/hello`) divided by the scenario's, in the
same run: it reads like the harness's `cpu ratio`.

The scenarios marked "uncached" run on a server started with the response cache off; the cache hit and
the 304 on one started with it on (`--phases` chooses). The API throttle is lifted: every request comes
from one address. `--client threads` loads with Python threads instead of wrk (the old way, kept to show
the difference; see docs/scaling.md). Only 127.0.0.1 is loaded; every scenario is bounded in seconds.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")
HELLO = "/__bench__/hello"


@dataclass
class Scenario:
    name: str
    urls: list
    headers: dict = field(default_factory=dict)
    expect: int = 200
    target: str = ""
    check: object = None  # (row, hello) -> bool
    cached: bool = False  # measured on the server with the response cache on


@dataclass
class Result:
    scenario: Scenario
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_seconds: float  # gunicorn + this database's backends
    all_pg_seconds: float  # gunicorn + every PostgreSQL process
    queries: float = float("nan")
    errors: int = 0

    @property
    def rps(self):
        return self.requests / self.seconds

    @property
    def cpu_ms(self):
        return self.cpu_seconds / max(self.requests, 1) * 1000

    @property
    def all_pg_ms(self):
        return self.all_pg_seconds / max(self.requests, 1) * 1000


def database_arguments(parser, database="tracker_bench"):
    """The options every benchmark that seeds through prepare_database() takes."""
    parser.add_argument("--database", default=database)
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true", help="Seed again even if the data is there.")


def environment(args, response_cache=True):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@{args.db_host}:5432/{args.database}",
        # One connection per worker for the whole run: a backend that closed mid-scenario would take its CPU
        # counters with it.
        DATABASE_CONN_MAX_AGE="600",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "bench-only-secret-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver",
        DJANGO_SECURE_SSL_REDIRECT="false",  # Plain HTTP on the loopback: no proxy terminates TLS here.
        DJANGO_RESPONSE_CACHE="true" if response_cache else "false",
        TRACKER_BENCH="1",
        GUNICORN_WORKERS=str(getattr(args, "workers", 2) or 2),
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
    # A server left on the port would answer the readiness check below, and be measured in place of this one.
    try:
        socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
    except OSError:
        pass
    else:
        raise SystemExit(f"Something already listens on port {args.port}: stop it, or choose another --port.")
    # bench/wsgi.py: the site, plus the harness-shaped /__bench__/hello served without middleware.
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "tracker/gunicorn.conf.py", "bench.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(args.log, "a"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(args.port, HELLO)[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {args.log}")
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 30 s; see {args.log}")


def stop_server(server):
    server.terminate()
    server.wait(timeout=30)


def parent_pid(pid):
    """The parent of process `pid`, from /proc (OSError or IndexError if it is gone)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def children(parent):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if parent_pid(entry.name) == parent:
                    pids.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return pids


worker_pids = children  # a gunicorn master's workers are its children


def backend_pids(args):
    """This database's backends, and every PostgreSQL process (the postmaster's children, as the harness books)."""
    import psycopg2

    connection = psycopg2.connect(host=args.db_host, user="postgres", dbname="postgres")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [args.database]
        )
        own = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT pg_backend_pid()")
        mine = cursor.fetchone()[0]
    connection.close()
    postmaster = parent_pid(own[0]) if own else None
    everything = [pid for pid in children(postmaster) if pid != mine] if postmaster else own
    return own, everything


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cpu_snapshot(pids):
    return {pid: cpu_seconds(pid) for pid in pids}


def cpu_used(before, after_pids):
    after = cpu_snapshot(after_pids)
    return sum(after[pid] - before.get(pid, 0.0) for pid in after_pids if after[pid])


# The load.


def request(port, url, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", url, headers={"Host": "127.0.0.1", **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


WRK_SCRIPT = r"""
-- The scenario's paths in turn, with its headers; one JSON line at the end (latencies in microseconds).
local paths = {PATHS}
local headers = {HEADERS}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "status_errors": %d, "socket_errors": %d, '
    .. '"p50_ms": %.2f, "p99_ms": %.2f}\n', summary.requests, summary.duration / 1e6, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
"""


def wrk_script(scenario):
    headers = {"Host": "127.0.0.1", **scenario.headers}
    lua = WRK_SCRIPT.replace("{PATHS}", "{" + ", ".join(json.dumps(url) for url in scenario.urls) + "}")
    lua = lua.replace("{HEADERS}", "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}"
                                                   for k, v in headers.items()) + "}")
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(lua)
    handle.close()
    return handle.name


def drive_wrk(args, scenario, seconds):
    script = wrk_script(scenario)
    try:
        finished = subprocess.run(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script,
             f"http://127.0.0.1:{args.port}"],
            capture_output=True, text=True, timeout=seconds + 60,
        )
    finally:
        os.unlink(script)
    line = next((line for line in finished.stdout.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {scenario.name}:\n{finished.stdout}{finished.stderr}")
    found = json.loads(line.removeprefix("RESULT "))
    # wrk counts a 304 as a success and anything of 400 or more as an error.
    return found["requests"], found["seconds"], found["p50_ms"], found["p99_ms"], \
        found["status_errors"] + found["socket_errors"]


def drive_threads(args, scenario, seconds):
    """The old client: `args.concurrency` Python threads, each waiting for its answer before the next request."""
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset):
        number = offset
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status = request(args.port, scenario.urls[number % len(scenario.urls)], scenario.headers)[0]
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += status != scenario.expect
            number += args.concurrency

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]
    return (len(latencies), time.perf_counter() - started, ordered[len(ordered) // 2] * 1000,
            ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, errors[0])


def run_load(args, scenario, master):
    """Load one scenario for args.duration seconds; CPU of the server and the database is read around it."""
    drive = drive_wrk if args.client == "wrk" else drive_threads
    own_before, all_before = backend_pids(args)
    app_before = [master, *worker_pids(master)]
    before = cpu_snapshot(set(app_before) | set(all_before))
    requests, seconds, p50, p99, errors = drive(args, scenario, args.duration)
    own_after, all_after = backend_pids(args)
    app = set(app_before) | set(worker_pids(master))
    cpu = cpu_used(before, app | set(own_before) | set(own_after))
    all_pg = cpu_used(before, app | set(all_before) | set(all_after))
    for _ in range(args.workers + 1):  # requests wrk abandoned when it stopped finish before the next scenario
        request(args.port, HELLO)
    return Result(scenario, requests, seconds, p50, p99, cpu, all_pg, errors=errors)


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


def scenarios(args):
    first = request(args.port, "/api/v1/proposals/")
    etag = first[1].get("ETag", "")
    (before_last, page_2000), pages = walk(args, json.loads(first[2]))
    ids = [row["id"] for row in json.loads(first[2])["results"]]
    detail_urls = [request(args.port, f"/proposals/{pk}/")[1].get("Location", f"/proposals/{pk}/") for pk in ids]
    detail_urls = [urllib.parse.urlsplit(url).path for url in detail_urls]
    themes = ["synthetic-5g", "synthetic-artificial-intelligence", "synthetic-cybersecurity", "synthetic-education"]
    # Targets in the harness's terms (cpu ratio: hello's CPU ÷ the row's), from docs/scaling.md.
    ratio = lambda least: lambda row, refs: refs["hello"].cpu_ms / row.cpu_ms >= least  # noqa: E731
    # A hit or a 304 costs at most twice the site's own stack answering constant bytes (the earlier target).
    stack = lambda most: lambda row, refs: row.cpu_ms <= most * refs["stack"].cpu_ms  # noqa: E731
    return [
        Scenario("hello (no middleware, 37 KB)", [HELLO]),
        Scenario("constant bytes behind the middleware", ["/__bench__/constant/"]),
        Scenario("API list, first page, uncached", ["/api/v1/proposals/"], target="cpu ratio ≥ 0.10",
                 check=ratio(0.10)),
        Scenario(f"API list, page {pages} of the walk, uncached", [page_2000],
                 target="CPU ≤ 1.2× first page", check="walk"),
        # The page before it too: with exactly 100,000 rows the 2,000th page is the last one, which costs one
        # more query (the pagination looks for rows without a status date after the dated ones run out).
        Scenario(f"API list, page {pages - 1} of the walk, uncached", [before_last]),
        Scenario("API list ?theme=, uncached", [f"/api/v1/proposals/?theme={slug}" for slug in themes],
                 target="cpu ratio ≥ 0.08", check=ratio(0.08)),
        # Embedded relations (include=): one query per kind however long the page; CPU beside the plain list.
        Scenario(f"API list {EMBEDDING}, uncached", [f"/api/v1/proposals/?{EMBEDDING}"]),
        Scenario(f"API list {EMBEDDING} ?theme=, uncached",
                 [f"/api/v1/proposals/?{EMBEDDING}&theme={slug}" for slug in themes]),
        Scenario("HTML proposal list, uncached", ["/proposals/"], target="cpu ratio ≥ 0.05", check=ratio(0.05)),
        Scenario("proposal page, uncached", detail_urls, target="cpu ratio ≥ 0.06", check=ratio(0.06)),
        Scenario("theme page, uncached", [f"/themes/{slug}/" for slug in themes]),
        Scenario(f"search '{args.word}', uncached", [f"/proposals/?q={args.word}"]),
        Scenario("hello, cache server", [HELLO], cached=True),
        Scenario("API list, cache hit", ["/api/v1/proposals/"], cached=True, target="CPU ≤ 2× constant bytes",
                 check=stack(2)),
        Scenario("API list, If-None-Match → 304", ["/api/v1/proposals/"], {"If-None-Match": etag}, expect=304,
                 cached=True, target="CPU ≤ 2× constant bytes", check=stack(2)),
        Scenario("HTML proposal list, cache hit", ["/proposals/"], cached=True),
    ]


def walk(args, page):
    """Follow `next` links to the args.walk-th page; returns (the path of the page before it, its path), its number."""
    number, url, previous = 1, "/api/v1/proposals/", "/api/v1/proposals/"
    started = time.perf_counter()
    while number < args.walk and page.get("next"):
        parts = urllib.parse.urlsplit(page["next"])
        previous, url = url, f"{parts.path}?{parts.query}"
        page = json.loads(request(args.port, url)[2])
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


def print_table(results):
    head = (f"{'scenario':44} {'req':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms/req':>10} "
            f"{'cpu ratio':>9} {'all PG':>7} {'queries':>7}  target")
    print(head)
    print("-" * (len(head) + 12))
    refs, first_page = {}, None
    for row in results:
        scenario = row.scenario
        if scenario.urls == [HELLO]:
            refs["hello"] = row  # each server's rows are read against its own hello
        if scenario.urls == ["/__bench__/constant/"]:
            refs["stack"] = row
        hello = refs["hello"]
        if scenario.name.startswith("API list, first page"):
            first_page = row
        verdict = ""
        if scenario.check == "walk":
            ratio = row.cpu_ms / first_page.cpu_ms
            verdict = f"{'met' if ratio <= 1.2 else 'MISSED'} ({ratio:.2f}× first)"
        elif scenario.check:
            verdict = "met" if scenario.check(row, refs) else "MISSED"
        note = f" {row.errors} ERRORS" if row.errors else ""
        print(f"{scenario.name:44} {row.requests:6d} {row.rps:7.1f} {row.p50_ms:7.1f} {row.p99_ms:7.1f} "
              f"{row.cpu_ms:10.2f} {hello.cpu_ms / row.cpu_ms:9.3f} {row.all_pg_ms:7.2f} {row.queries:7.0f}  "
              f"{scenario.target} {verdict}{note}")


def measure_phase(args, env, chosen):
    """Start a server with env, warm it, load every chosen scenario; returns the results and the export's."""
    server = start_server(args, env)
    try:
        print(f"gunicorn {server.pid} with workers {worker_pids(server.pid)}; warming up…", flush=True)
        measured = [scenario for scenario in scenarios(args) if chosen(scenario)]
        for scenario in measured:  # Warm every worker and its database connection.
            for url in scenario.urls[:4] * args.workers:
                request(args.port, url, scenario.headers)
        results = []
        for scenario in measured:
            result = run_load(args, scenario, server.pid)
            result.queries = count_queries(scenario)
            results.append(result)
            print(f"  {scenario.name}: {result.requests} requests in {result.seconds:.1f}s", flush=True)
        export = measure_export(args, server.pid) if args.export else None
    finally:
        stop_server(server)
    return results, export


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    database_arguments(parser)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client", choices=["wrk", "threads"], default="wrk")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections (as the harness).")
    parser.add_argument("--concurrency", type=int, default=2, help="With --client threads: how many threads.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per scenario.")
    parser.add_argument("--phases", choices=["both", "uncached", "cached"], default="both")
    parser.add_argument("--only", default="", help="Only the scenarios whose name contains this (and the references).")
    parser.add_argument("--walk", type=int, default=2000, help="Which page of the API list walk to measure.")
    parser.add_argument("--word", default="national", help="A common word to search for.")
    parser.add_argument("--export", default="/api/v1/proposals/export/", help="'' to skip the export.")
    parser.add_argument("--log", default=str(Path(tempfile.gettempdir()) / "tracker-bench-gunicorn.log"))
    args = parser.parse_args()

    env = environment(args)
    prepare_database(args, env)
    os.environ.update(environment(args, response_cache=False))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    def chosen(cached):
        return lambda scenario: scenario.cached == cached and (
            not args.only or args.only in scenario.name or scenario.urls in ([HELLO], ["/__bench__/constant/"]))

    results, export = [], None
    if args.phases in ("both", "uncached"):
        found, export = measure_phase(args, environment(args, response_cache=False), chosen(False))
        results += found
    if args.phases in ("both", "cached"):
        from django.conf import settings

        settings.RESPONSE_CACHE = True  # the query counts of the cached rows, as that server runs
        results += measure_phase(args, environment(args, response_cache=True), chosen(True))[0]

    client = (f"wrk -t1 -c{args.connections}" if args.client == "wrk"
              else f"{args.concurrency} Python client threads")
    print()
    print(f"PostgreSQL {args.database}, {args.proposals} proposals; gunicorn {args.workers} sync workers, DEBUG off, "
          f"throttle lifted; {client}, {args.duration} s a scenario, on the same machine ({os.cpu_count()} CPUs).")
    print("cpu ms/req: gunicorn + this database's backends; all PG: gunicorn + every PostgreSQL process; "
          "cpu ratio: hello's cpu ms/req ÷ the row's (the first rows on a server with the response cache off, "
          "the last on one with it on).")
    print_table(results)
    if export:
        status, size, lines, seconds, peak = export
        verdict = "met" if peak < 150 else "MISSED"
        print(f"\nCSV export {args.export}: HTTP {status}, {lines - 1} rows, {size / 1e6:.1f} MB in {seconds:.1f}s; "
              f"serving worker's peak RSS {peak:.0f} MB (target < 150 MB: {verdict})")


if __name__ == "__main__":
    main()
