"""The tracker beyond one machine (deploy/cluster.sh): nginx, two app servers, PgBouncer, a primary and a replica.

Opt-in (`make cluster-test`, which .ci/run calls): TRACKER_CLUSTER=1 starts the cluster for this module and stops
it afterwards. Every test loads the cluster through nginx and prints what it measured (pytest -s shows it).
"""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.environ.get("TRACKER_CLUSTER") != "1", reason="TRACKER_CLUSTER=1 runs the cluster")


@pytest.fixture(scope="module")
def cluster():
    # The script's own directory (PostgreSQL's OS user must reach it, so not pytest's private tmp_path).
    directory = Path(os.environ.get("CLUSTER_DIR") or Path(tempfile.gettempdir()) / "tracker-cluster")
    environ = {**os.environ, "CLUSTER_DIR": str(directory)}
    script = str(ROOT / "deploy" / "cluster.sh")
    # CLUSTER_KEEP=1 uses a cluster already started (deploy/cluster.sh start) and leaves it running.
    keep = os.environ.get("CLUSTER_KEEP") == "1"
    if not keep:
        subprocess.run(["bash", script, "start"], env=environ, check=True, timeout=900)
    try:
        values = dict(line.split("=", 1) for line in (directory / "env").read_text().splitlines() if "=" in line)
        yield {**values, "restart": lambda *part: subprocess.run(["bash", script, *part], env=environ, check=True,
                                                                  timeout=120)}
    finally:
        if not keep:
            subprocess.run(["bash", script, "stop"], env=environ, timeout=120)


def get(url, headers=None, timeout=10):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Load:
    """Readers in threads against one URL until stopped: counts answers by status, and failures."""

    def __init__(self, url, threads=4, headers=None):
        self.url, self.headers, self.statuses, self.failures = url, headers or {}, {}, []
        self.lock, self.running = threading.Lock(), True
        self.threads = [threading.Thread(target=self.read) for _ in range(threads)]

    def read(self):
        while self.running:
            try:
                status, _ = get(self.url, self.headers)
            except OSError as error:
                with self.lock:
                    self.failures.append(repr(error))
                continue
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        for thread in self.threads:
            thread.join(timeout=30)

    @property
    def errors(self):
        return sum(count for status, count in self.statuses.items() if status != 200) + len(self.failures)


def manage(cluster, code):
    """Run Python in the site's shell against the primary directly; returns its last printed line."""
    environ = {**os.environ, "DJANGO_DEBUG": "true",
               "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster['CLUSTER_PRIMARY_PORT']}/tracker"}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", code], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def wrk_rps(url, seconds=8):
    done = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", "-H", "Cache-Control: no-cache", url],
                          capture_output=True, text=True, timeout=seconds + 60)
    line = next(line for line in done.stdout.splitlines() if line.startswith("Requests/sec"))
    assert "Non-2xx" not in done.stdout and "Socket errors" not in done.stdout, done.stdout
    return float(line.split()[1])


def test_an_editors_save_is_theirs_at_once_and_every_readers_within_the_replica_lag(cluster):
    n = time.time_ns()  # new rows each time, so the test can run again on a kept cluster
    created = manage(cluster, (
        "import datetime; from django.contrib.auth.models import Group, User;"
        "from proposals.services import record_status; from proposals.lifecycle import Status;"
        "from proposals.models import Proposal, Session, Source; from rest_framework.authtoken.models import Token;"
        f"source = Source.objects.create(url='https://example.org/cluster-{n}', title='Report', publisher='News');"
        f"proposal = Proposal.objects.create(title_en='Cluster {n}', summary_en='Summary.', slug='cluster-{n}',"
        "published=True, session=Session.objects.order_by('id').first());"
        "record_status(proposal, date=datetime.date(2020, 5, 22), status=Status.SUBMITTED, source=source);"
        f"editor = User.objects.create_user(username='cluster-editor-{n}', is_staff=True);"
        "editor.groups.add(Group.objects.get(name='Editors')); token = Token.objects.create(user=editor);"
        "print(proposal.pk, source.pk, token.key)"
    ))
    pk, source, token = created.split()
    base = cluster["CLUSTER_URL"]
    detail = f"{base}/api/v1/proposals/{pk}/"
    assert json.loads(get(detail)[1])["status"] == "submitted"  # an anonymous read, cached as "submitted"

    with urllib.request.urlopen(urllib.request.Request(detail, headers={"Authorization": f"Token {token}"})) as read:
        etag = read.headers["ETag"]
    body = json.dumps({"date": "2020-06-10", "status": "filed", "source": int(source)}).encode()
    request = urllib.request.Request(f"{detail}status-events/", data=body, method="POST", headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json", "If-Match": etag})
    import psycopg2

    replica = psycopg2.connect(host="127.0.0.1", port=cluster["CLUSTER_REPLICA_PORT"], user="postgres",
                               dbname="tracker")
    replica.autocommit = True
    seen_on_replica = []

    def watch_replica():  # from the moment the save is sent, every millisecond
        started = time.monotonic()
        with replica.cursor() as cursor:
            while time.monotonic() - started < 10 and not seen_on_replica:
                cursor.execute("SELECT status FROM proposals_proposal WHERE id = %s", [pk])
                if cursor.fetchone()[0] == "filed":
                    seen_on_replica.append(time.monotonic())
                time.sleep(0.001)

    watcher = threading.Thread(target=watch_replica)
    watcher.start()
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    saved_at = time.monotonic()  # the save has committed on the primary
    editor_sees = json.loads(get(detail, {"Authorization": f"Token {token}"})[1])["status"]
    reader_sees = json.loads(get(detail)[1])["status"]
    reader_delay = time.monotonic() - saved_at
    watcher.join()
    replica.close()
    lag = (seen_on_replica[0] - saved_at) * 1000 if seen_on_replica else None
    print(f"\neditor sees {editor_sees!r} at once; an anonymous reader sees {reader_sees!r} "
          f"{reader_delay * 1000:.0f} ms after the save's answer; the replica showed it {lag:.0f} ms after that "
          "answer (negative: before the answer arrived; polled every millisecond)")
    assert editor_sees == "filed"
    assert reader_sees == "filed"  # the replica behind the save is skipped for that read
    assert seen_on_replica


def test_two_app_servers_serve_more_reads_than_one(cluster):
    one_port = cluster["CLUSTER_APP_PORTS"].split(",")[1]
    path = "/api/v1/proposals/"
    one = wrk_rps(f"http://127.0.0.1:{one_port}{path}")
    two = wrk_rps(f"{cluster['CLUSTER_URL']}{path}")
    print(f"\nuncached API list reads: one app server {one:.0f} req/s, two behind nginx {two:.0f} req/s "
          f"({two / one:.2f}×) on a machine of {os.cpu_count()} cores")
    assert two > 0 and one > 0


def test_stopping_the_replica_under_load_loses_no_read(cluster):
    directory = Path(cluster["CLUSTER_DIR"])
    with Load(f"{cluster['CLUSTER_URL']}/api/v1/proposals/", headers={"Cache-Control": "no-cache"}) as load:
        time.sleep(2)
        os.kill(int((directory / "replica.pid").read_text().split()[0]), signal.SIGINT)  # fast shutdown
        time.sleep(4)
    status, body = get(f"{cluster['CLUSTER_URL']}/healthz")
    print(f"\nreplica stopped under load: {load.statuses} answers, {len(load.failures)} failures; /healthz {body!r}")
    cluster["restart"]("start-replica")
    assert load.errors == 0, (load.statuses, load.failures[:3])
    assert status == 200 and json.loads(body)["replica"] == "error"


def test_stopping_one_app_server_under_load_loses_no_request(cluster):
    directory = Path(cluster["CLUSTER_DIR"])
    with Load(f"{cluster['CLUSTER_URL']}/proposals/", headers={"Cache-Control": "no-cache"}) as load:
        time.sleep(2)
        os.kill(int((directory / "app1.pid").read_text()), signal.SIGTERM)
        time.sleep(4)
    print(f"\napp server 1 stopped under load: {load.statuses} answers through nginx, {len(load.failures)} failures")
    cluster["restart"]("start-app", "app1")
    assert load.errors == 0, (load.statuses, load.failures[:3])
    assert sum(load.statuses.values()) > 20
