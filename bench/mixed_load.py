"""A bounded mixed load on the production server: many readers and a few editors at once, and no error allowed.

    .venv/bin/python bench/mixed_load.py [--database tracker_bench] [--connections 64] [--seconds 60]
                                         [--write-share 0.05]

Serves the PostgreSQL database `--database` (seeded with seed_synthetic like bench/run.py when it holds fewer
synthetic proposals than `--proposals`) with gunicorn as `make serve` does (DEBUG off, the default number
of workers, the response cache on, Redis as the shared cache), then runs wrk with `--connections` open
connections for `--seconds`: readers GET the home page, proposal lists, proposal pages, theme pages and API
lists and details; one request in twenty (`--write-share`) is an editor's write through the API (a new
source, with a token and an Idempotency-Key). It prints the requests, their statuses and latencies, and
fails (exit 1) on any error: a status of 400 or more, a socket error, or a timeout. The API throttle is
lifted for the run, as bench/run.py does, since every request comes from one address.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py: the server, the database and the environment are set up the same way)

ROOT = Path(__file__).resolve().parent.parent

LUA = r"""
-- Readers' GETs, and every so often an editor's POST; statuses counted per kind in response().
local paths = {PATHS}
local write_every = {EVERY}
local token = "{TOKEN}"
local counter = 0
statuses = {}  -- global: done() reads each thread's with thread:get
local writes = 0
local thread_statuses = {}

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
  table.insert(thread_statuses, thread)
end

init = function(args) statuses = {} end

request = function()
  counter = counter + 1
  if write_every > 0 and counter % write_every == 0 then
    writes = writes + 1
    local key = "load-" .. id .. "-" .. counter
    local body = '{"title": "Mixed load source ' .. key .. '", "publisher": "Load test", "source_url": ""}'
    return wrk.format("POST", "/api/v1/sources/", {
      ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key, ["Host"] = "127.0.0.1"}, body)
  end
  return wrk.format("GET", paths[(counter % #paths) + 1], {["Host"] = "127.0.0.1"})
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(thread_statuses) do
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do merged[tostring(status)] = (merged[tostring(status)] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(merged) do table.insert(parts, string.format('"%s": %d', status, count)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
    .. '"timeouts": %d, "p50_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    table.concat(parts, ", ")))
end
"""


def reader_paths(port):
    """A spread of what readers open: found on the server itself, so the paths exist."""
    fresh = {"Cache-Control": "no-cache"}
    page = json.loads(run.request(port, "/api/v1/proposals/?page_size=40", fresh)[2])
    ids = [row["id"] for row in page["results"]]
    proposal_pages = [urllib.parse.urlsplit(run.request(port, f"/proposals/{pk}/")[1]["Location"]).path
                      for pk in ids[:20]]
    themes = [row["slug"] for row in json.loads(run.request(port, "/api/v1/themes/?page_size=8", fresh)[2])["results"]]
    return [
        "/", "/proposals/", "/proposals/?status=referred", "/proposals/?q=national", "/authorities/",
        "/api/v1/proposals/", "/api/v1/status-events/", *proposal_pages,
        *(f"/themes/{slug}/" for slug in themes), *(f"/api/v1/proposals/?theme={slug}" for slug in themes[:4]),
        *(f"/api/v1/proposals/{pk}/" for pk in ids[20:30]),
    ]


def editor_token(env):
    code = (
        "from django.contrib.auth.models import Group, User; from rest_framework.authtoken.models import Token;"
        "user, _ = User.objects.get_or_create(username='load-editor', defaults={'is_staff': True});"
        "user.groups.add(Group.objects.get(name='Editors'));"
        "Token.objects.filter(user=user).delete(); print(Token.objects.create(user=user).key)"
    )
    result = subprocess.run([run.PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    return result.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run.database_arguments(parser)
    parser.add_argument("--port", type=int, default=8932)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: as make serve)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--write-share", type=float, default=0.05)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--log", default="/tmp/tracker-mixed-load-gunicorn.log")
    args = parser.parse_args()

    env = run.environment(args)
    env["CACHE_URL"] = args.cache_url
    if not args.workers:
        env.pop("GUNICORN_WORKERS", None)  # gunicorn.conf.py's own default, as `make serve` runs it
    run.prepare_database(args, env)
    token = editor_token(env)
    server = run.start_server(args, env)
    try:
        paths = reader_paths(args.port)
        every = round(1 / args.write_share) if args.write_share else 0
        script = LUA.replace("{PATHS}", "{" + ", ".join(json.dumps(path) for path in paths) + "}")
        script = script.replace("{EVERY}", str(every)).replace("{TOKEN}", token)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(script)
        command = ["wrk", "-t4", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s", "-s", lua.name,
                   f"http://127.0.0.1:{args.port}"]
        print(f"{len(paths)} reader paths, one write in {every}; " + " ".join(command[:-3]), flush=True)
        finished = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 120)
        output = finished.stdout + finished.stderr
    finally:
        run.stop_server(server)
    line = next((line for line in output.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{output}")
    result = json.loads(line.removeprefix("RESULT "))
    errors = sum(count for status, count in result["statuses"].items() if int(status) >= 400)
    socket_errors = sum(result[name] for name in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    writes = result["statuses"].get("201", 0)
    print(f"{result['requests']} requests in {result['seconds']:.1f}s ({result['requests'] / result['seconds']:.0f}/s)"
          f", {writes} writes; statuses {dict(sorted(result['statuses'].items()))}; p50 {result['p50_ms']} ms, "
          f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms; errors: {errors} by status, {socket_errors} socket")
    sys.exit(1 if errors or socket_errors else 0)


if __name__ == "__main__":
    main()
