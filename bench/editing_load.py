"""Reads while an editor saves: does the response cache survive editing, and does no reader see an older status?

    .venv/bin/python bench/editing_load.py [--database tracker_bench] [--seconds 20] [--saves-per-second 1]

Serves `--database` (seeded like bench/run.py) with gunicorn as `make serve` does (2 workers, DEBUG off, the
response cache on, Redis as the shared cache), then runs wrk (`-t1 -c8`) over what anonymous readers open: the
home page, the proposal list, the API list, and the pages and API details of `--pages` proposals. It does
so twice, for `--seconds` each: once with no saves, once while an editor records one status change per second
through the API (`record_status`: POST /api/v1/proposals/<id>/status-events/, with a token and If-Match) on
proposals among those read. Right after each save it reads that proposal's API detail and page as an
anonymous reader and counts a stale read if either shows an older status. It prints read throughput with and
without the saves, their ratio (target ≥ 0.5) and the stale reads (target 0), and fails on any error.
"""

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mixed_load  # noqa: E402
import run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def targets(env, count):
    """`count` published proposals whose last step is "closed" (so "implemented" may follow), and a source."""
    code = (
        "from proposals.models import Proposal, Source;"
        f"rows = list(Proposal.objects.published().filter(status='closed').order_by('-id')"
        f".values_list('id', 'status_date')[:{count}]);"
        "print(__import__('json').dumps({'proposals': [[pk, str(day)] for pk, day in rows],"
        "'source': Source.objects.order_by('id').values_list('id', flat=True).first()}))"
    )
    done = subprocess.run([run.PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def reads(args, paths, label):
    """Reads per second, p50 and p99 (ms) and failed reads of wrk over `paths` (bench/run.py's runner)."""
    requests, seconds, p50, p99, errors = run.drive_wrk(args, run.Scenario(label, paths), args.seconds)
    return {"rps": requests / seconds, "p50_ms": p50, "p99_ms": p99, "errors": errors}


def editor(args, token, work, page_paths, report, stop):
    """One save every 1/saves-per-second seconds; after each, read the proposal as an anonymous reader."""
    interval = 1 / args.saves_per_second
    for pk, status_date in work["proposals"]:
        if stop.is_set():
            return
        started = time.monotonic()
        detail = f"/api/v1/proposals/{pk}/"
        etag = run.request(args.port, detail, {"Authorization": f"Token {token}"})[1]["ETag"]
        day = (datetime.date.fromisoformat(status_date) + datetime.timedelta(days=1)).isoformat()
        body = json.dumps({"date": day, "status": "implemented", "source": work["source"]})
        connection = run.http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        connection.request("POST", f"{detail}status-events/", body=body, headers={
            "Host": "127.0.0.1", "Authorization": f"Token {token}", "Content-Type": "application/json",
            "If-Match": etag})
        status = connection.getresponse().status
        connection.close()
        report["saves"] += status == 201
        report["save_errors"] += status != 201
        api_status = json.loads(run.request(args.port, detail)[2])["status"]
        page = run.request(args.port, page_paths[pk])[2].decode()
        report["checked"] += 1
        report["stale"] += api_status != "implemented" or "Implemented" not in page
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run.database_arguments(parser)
    parser.add_argument("--port", type=int, default=8933)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections (as the harness).")
    parser.add_argument("--saves-per-second", type=float, default=1.0)
    parser.add_argument("--pages", type=int, default=100, help="Proposals whose page and API detail readers open.")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--log", default=str(Path(tempfile.gettempdir()) / "tracker-editing-load-gunicorn.log"))
    args = parser.parse_args()

    env = run.environment(args, response_cache=True)
    env["CACHE_URL"] = args.cache_url
    run.prepare_database(args, env)
    token = mixed_load.editor_token(env)
    saves_needed = int(args.seconds * args.saves_per_second) + 2
    work = targets(env, max(args.pages, saves_needed))
    if len(work["proposals"]) < saves_needed:
        raise SystemExit(f"only {len(work['proposals'])} closed proposals left; seed again (--reseed)")
    server = run.start_server(args, env)
    try:
        ids = [pk for pk, _day in work["proposals"]][: args.pages]
        page_paths = {pk: urllib.parse.urlsplit(run.request(args.port, f"/proposals/{pk}/")[1]["Location"]).path
                      for pk, _day in work["proposals"]}
        paths = ["/", "/proposals/", "/api/v1/proposals/", *(page_paths[pk] for pk in ids),
                 *(f"/api/v1/proposals/{pk}/" for pk in ids)]
        reads(args, paths, "warm-up")  # every path cached once
        quiet = reads(args, paths, "no saves")
        report, stop = {"saves": 0, "save_errors": 0, "checked": 0, "stale": 0}, threading.Event()
        thread = threading.Thread(target=editor, args=(args, token, work, page_paths, report, stop))
        thread.start()
        busy = reads(args, paths, "saves")
        stop.set()
        thread.join(timeout=60)
    finally:
        run.stop_server(server)
    quiet_rps, busy_rps = quiet["rps"], busy["rps"]
    errors = quiet["errors"] + busy["errors"]
    ratio = busy_rps / quiet_rps
    print(f"{len(paths)} reader paths, wrk -t1 -c{args.connections}, {args.seconds} s each, "
          f"gunicorn {args.workers} workers")
    print(f"reads without saves: {quiet_rps:.0f}/s (p50 {quiet['p50_ms']} ms, p99 {quiet['p99_ms']} ms)")
    print(f"reads with {report['saves']} saves ({args.saves_per_second}/s): {busy_rps:.0f}/s (p50 {busy['p50_ms']} ms, "
          f"p99 {busy['p99_ms']} ms)")
    print(f"throughput ratio {ratio:.2f} (target ≥ 0.50: {'met' if ratio >= 0.5 else 'MISSED'}); stale reads right "
          f"after a save: {report['stale']} of {report['checked']} (target 0); errors: {errors} reads, "
          f"{report['save_errors']} saves")
    sys.exit(1 if errors or report["stale"] or report["save_errors"] else 0)


if __name__ == "__main__":
    main()
