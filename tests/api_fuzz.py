"""Schemathesis against the API as production serves it: `make api-fuzz` (SQLite) or `make api-fuzz DB=postgresql`.

A throwaway database (a temporary SQLite file, or a PostgreSQL database created and dropped here) gets the
migrations, the 2020 data set and some synthetic proposals; gunicorn serves it on a free port with DEBUG off
and the ordinary error handlers; Schemathesis then reads the published schema and sends generated requests:
every read as an anonymous client, every write with an editor's token. The run fails on any server error or
any response the schema does not describe. The seed is fixed, so a failure comes back the same way.

Usage: python tests/api_fuzz.py [--database sqlite|postgresql] [--seed N] [--examples N] [--keep]
PostgreSQL is reached at FUZZ_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCHEMATHESIS = BIN / "schemathesis"
GUNICORN = BIN / "gunicorn"
# Checks of what a response says about itself. Left out: positive_data_acceptance, since a request the schema
# allows is still refused when it breaks a rule of the lifecycle (a reply before any referral, a date before
# its session), which no schema can state; and the stateful checks that need links between operations.
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
    "ignored_auth",
])
# Settings of the served site, beyond the environment: static files from the apps, as in the test settings
# (no collectstatic into the working tree).
SETTINGS = """\
from pathlib import Path

from tracker.settings import *  # noqa: F403

STATIC_ROOT = Path(__file__).parent / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
"""
# 412 and 428 are how the API answers a write whose If-Match is wrong or missing, before it reads the body
# (RFC 9110 section 13.2.1: preconditions come before the request content is processed).
CONFIG = """\
[checks.missing_required_header]
expected-statuses = [400, 401, 403, 406, 415, 422, 428]

[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
"""
EDITOR = """\
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

user = User.objects.create_user("fuzz-editor", password=None, is_staff=True)
user.groups.add(Group.objects.get(name="Editors"))
print(Token.objects.create(user=user).key)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command, env, **kwargs):
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, env=env, cwd=ROOT, check=True, **kwargs)


class PostgresDatabase:
    def __init__(self, admin_url):
        import psycopg2

        self.psycopg2, self.admin_url = psycopg2, admin_url
        self.name = f"tracker_fuzz_{os.getpid()}"

    def _execute(self, sql):
        connection = self.psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create(self):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        self._execute(f'CREATE DATABASE "{self.name}"')
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.name}"

    def drop(self):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def wait_for(url, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped before answering (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"no answer from {url} within {seconds}s")


def count_requests(cassette):
    """Requests recorded in a VCR cassette (one `- id:` entry per interaction)."""
    if not cassette.exists():
        return 0
    return sum(1 for line in cassette.read_text(encoding="utf-8", errors="replace").splitlines()
               if line.startswith("- id:"))


def summarise(report):
    """(server errors, other failures, failure titles) from a Schemathesis JUnit report."""
    import xml.etree.ElementTree as ElementTree

    if not report.exists():
        return 0, 0, ["no report was written"]
    server_errors, others, titles = 0, 0, []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        for failure in [*case.findall("failure"), *case.findall("error")]:
            text = (failure.get("message") or "") + (failure.text or "")
            for block in text.split("\n\n"):
                block = block.strip()
                if not block.startswith(("- ", "1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. ", "8. ", "9. ")):
                    continue
                title = block.splitlines()[0]
                titles.append(f"{case.get('name')}: {title}")
                if "Server error" in title:
                    server_errors += 1
                else:
                    others += 1
            if not titles or not titles[-1].startswith(case.get("name") or ""):
                titles.append(f"{case.get('name')}: {text.strip().splitlines()[0] if text.strip() else '?'}")
                others += 1
    return server_errors, others, titles


def fuzz(base, label, report_dir, seed, examples, extra):
    """One Schemathesis run; (requests, server errors, other failures, titles)."""
    junit, cassette = report_dir / f"{label}.xml", report_dir / f"{label}.yaml"
    command = [
        str(SCHEMATHESIS), "--config-file", str(report_dir / "schemathesis.toml"), "run",
        f"{base}/api/v1/schema/?format=json", "--seed", str(seed),
        "--max-examples", str(examples), "--checks", CHECKS, "--workers", "1", "--phases",
        "examples,coverage,fuzzing", "--suppress-health-check", "all", "--request-timeout", "30",
        "--continue-on-failure", "--no-color", "--report", "junit,vcr", "--report-junit-path", str(junit),
        "--report-vcr-path", str(cassette), "--output-truncate", "true", *extra,
    ]
    print("+", " ".join(part if "Token " not in part else "Authorization: Token …" for part in command),
          flush=True)
    subprocess.run(command, cwd=report_dir, check=False)  # its own cache folder goes there too
    server_errors, others, titles = summarise(junit)
    return count_requests(cassette), server_errors, others, titles


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--examples", type=int, default=25, help="Generated cases per operation and phase.")
    parser.add_argument("--synthetic", type=int, default=300, help="Synthetic proposals besides the 2020 data.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (reports, logs).")
    args = parser.parse_args()

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="api-fuzz-"))
    (work / "fuzz_settings.py").write_text(SETTINGS, encoding="utf-8")
    (work / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    database = None
    if args.database == "postgresql":
        database = PostgresDatabase(os.environ.get("FUZZ_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
        database_url = database.create()
    else:
        database_url = f"sqlite:///{work / 'fuzz.sqlite3'}"
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(work), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "fuzz_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "CACHE_URL": "locmem://",
        # The fuzzer is one client sending thousands of requests: throttled, it would learn only about 429s.
        "API_THROTTLE_ANON": "1000000/min",
        "API_THROTTLE_USER": "1000000/min",
        "API_THROTTLE_ANON_EXPORT": "1000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        # SQLite takes one writer at a time: a second worker's write would wait for the lock and time out.
        "GUNICORN_WORKERS": "2" if args.database == "postgresql" else "1",
        "GUNICORN_ACCESS_LOG": str(work / "access.log"),
        # Request lines of any length reach the app: in production the proxy in front bounds them, with its own
        # page, before gunicorn (whose own limit answers in HTML) or the app see them.
        "GUNICORN_CMD_ARGS": "--limit-request-line 0",
    }
    server = None
    try:
        manage = [sys.executable, "manage.py"]
        run([*manage, "migrate", "--noinput", "-v0"], env)
        run([*manage, "load_seed"], env, stdout=subprocess.DEVNULL)
        run([*manage, "seed_synthetic", "--proposals", str(args.synthetic), "--force", "--seed", str(args.seed)],
            env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        token = run([*manage, "shell", "-v", "0", "-c", EDITOR], env, capture_output=True,
                    text=True).stdout.strip().splitlines()[-1]
        with open(work / "server.log", "wb") as log:
            server = subprocess.Popen([str(GUNICORN), "-c", "tracker/gunicorn.conf.py"], env=env, cwd=ROOT,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/api/v1/schema/?format=json", server)

        results = [
            ("reads", *fuzz(base, "reads", work, args.seed, args.examples, ["--include-method", "GET"])),
            ("writes", *fuzz(base, "writes", work, args.seed, args.examples, [
                "--exclude-method", "GET", "-H", f"Authorization:Token {token}"])),
        ]
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if database is not None:
            database.drop()

    log = (work / "server.log").read_text(encoding="utf-8", errors="replace")
    tracebacks = log.count("Traceback (most recent call last)")
    total_requests = sum(result[1] for result in results)
    total_errors = sum(result[2] for result in results)
    total_failures = sum(result[3] for result in results)
    print(f"\n== API fuzz on {args.database}, seed {args.seed}, {time.monotonic() - started:.0f}s")
    for label, requests, server_errors, failures, titles in results:
        print(f"{label}: {requests} requests, {server_errors} server errors, {failures} other failures")
        for title in titles:
            print(f"    {title}")
    print(f"total: {total_requests} requests, {total_errors} server errors, {total_failures} conformance failures, "
          f"{tracebacks} tracebacks in the server log")
    print(json.dumps({"database": args.database, "requests": total_requests, "server_errors": total_errors,
                      "conformance_failures": total_failures, "tracebacks": tracebacks}))
    if args.keep or total_errors or total_failures or tracebacks:
        print(f"reports and server log kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if total_errors or total_failures or tracebacks else 0)


if __name__ == "__main__":
    main()
