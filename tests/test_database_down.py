"""A real PostgreSQL that is stopped, paused or slow, under a real gunicorn: 503s within seconds, then back by itself.

The cluster is this module's own (initdb into a temporary directory, on a free port), so stopping it touches
no other database; the app server is gunicorn with DEBUG off and the timeouts at their defaults. Requests go
through the whole stack: the response cache, sessions, DRF, the admin.
"""

import concurrent.futures
import json
import re
import time

import pytest

from .live_servers import AppServer, Cluster, app_environment, manage, require_postgresql_tools

READER, API, HEALTH, LOGIN = "/proposals/", "/api/v1/proposals/?include=timeline", "/healthz", "/admin/login/"
# Readers see a failure within this many seconds, however the database fails (the defaults: a 3 s connect
# timeout, a 4 s wait for an answer, 2 s for each part of the health check).
FAST = 5
WORKERS = 5


@pytest.fixture(scope="module")
def cluster():
    bindir = require_postgresql_tools()
    cluster = Cluster(bindir)
    try:
        cluster.start()
        cluster.execute("CREATE DATABASE tracker")
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def site(cluster):
    env = app_environment(cluster.url("tracker"))
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_seed")
    server = AppServer(env, workers=WORKERS)
    try:
        yield server
    finally:
        server.remove()


def all_at_once(*calls):
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def every_worker_connected(site):
    """Enough requests at once that each worker holds a database connection, as after any busy minute."""
    answers = all_at_once(*[lambda: site.get(READER, headers={"Cache-Control": "no-cache"})] * (WORKERS * 2))
    assert {answer.status for answer in answers} == {200}, answers


def sign_in(site):
    """An editor signing in: the login form (no database needed), then its POST (the database checks it)."""
    form = site.get(LOGIN)
    assert form.status == 200, form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text()).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", form.headers["Set-Cookie"]).group(1)
    posted = site.request("POST", LOGIN, body=f"csrfmiddlewaretoken={token}&username=chief&password=secret",
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "Cookie": f"csrftoken={cookie}"})
    return form, posted


def assert_outage_answers(site, cluster_state):
    started_log = len(site.log())
    reader, api, health, (form, posted) = all_at_once(
        lambda: site.get(READER), lambda: site.get(API), lambda: site.get(HEALTH), lambda: sign_in(site))
    print(f"\n{cluster_state}: reader page {reader.seconds:.2f} s, API {api.seconds:.2f} s, "
          f"/healthz {health.seconds:.2f} s, login form {form.seconds:.2f} s, login POST {posted.seconds:.2f} s")

    assert reader.status == 503 and "Temporarily unavailable" in reader.text() and "暂时无法连接数据库" in reader.text()
    assert reader.headers["Content-Type"].startswith("text/html") and reader.headers["Retry-After"]
    assert "default-src 'self'" in reader.headers["Content-Security-Policy"]
    assert api.status == 503 and api.headers["Content-Type"] == "application/json" and api.headers["Retry-After"]
    assert set(json.loads(api.body)) == {"detail"}
    assert health.status == 503 and json.loads(health.body) == {"status": "error", "database": "error",
                                                                "cache": "ok"}
    assert posted.status == 503 and "Temporarily unavailable" in posted.text()
    for answer in (reader, api, health, form, posted):
        assert answer.seconds < FAST, answer

    time.sleep(0.2)  # the log lines of the last answers
    log = site.log()[started_log:]
    assert "Traceback" not in log and "Internal Server Error" not in log, log
    # One line for each failed request: the reader page, the API list and the login POST.
    assert len(re.findall(r"Database 'default' \(127.0.0.1:\d+\) unavailable \(.+\); answered", log)) == 3, log
    assert len(re.findall(r"Health check: database 'default' \(127.0.0.1:\d+\) failed", log)) == 1, log


def assert_back(site):
    deadline = time.monotonic() + 20
    while site.get(READER).status != 200:
        assert time.monotonic() < deadline, "the site did not come back with its database"
        time.sleep(0.2)
    every_worker_connected(site)
    assert site.get(API).status == 200
    assert json.loads(site.get(HEALTH).body) == {"status": "ok", "database": "ok", "cache": "ok"}


def test_a_slow_statement_is_cancelled_by_the_servers_statement_timeout(site, cluster):
    every_worker_connected(site)
    blocker = cluster.connect("tracker")
    blocker.autocommit = False
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE proposals_theme IN ACCESS EXCLUSIVE MODE")
        blocked = site.get("/api/v1/themes/", headers={"Cache-Control": "no-cache"})
    finally:
        blocker.rollback()
        blocker.close()
    print(f"\nlocked table: the API answered in {blocked.seconds:.2f} s")
    assert blocked.status == 503 and 2.5 < blocked.seconds < FAST, blocked
    assert "QueryCanceled" in site.log()
    assert site.get("/api/v1/themes/").status == 200


def test_management_commands_have_no_statement_timeout(site, cluster):
    env = app_environment(cluster.url("tracker"))
    shown = manage(env, "shell", "-c", "from django.db import connection; cursor = connection.cursor(); "
                                       "cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0])")
    assert shown.stdout.split()[-1] == "0", shown.stdout


def test_a_stopped_database_gets_503s_at_once_and_the_site_recovers_when_it_starts(site, cluster):
    every_worker_connected(site)
    cluster.stop()
    try:
        assert_outage_answers(site, "stopped")
    finally:
        cluster.start()
    assert_back(site)


def test_a_paused_database_gets_503s_within_seconds_not_a_hung_worker(site, cluster):
    every_worker_connected(site)
    cluster.pause()
    try:
        assert_outage_answers(site, "paused")
    finally:
        cluster.resume()
    assert_back(site)


def test_a_worker_without_a_connection_gives_up_connecting_to_a_paused_database(cluster):
    """A new connection to a stopped postmaster is accepted by its kernel and never answered: connect_timeout."""
    env = app_environment(cluster.url("tracker"))
    server = AppServer(env, workers=1)
    try:
        cluster.pause()
        answer = server.get(READER)
        print(f"\npaused, no connection yet: reader page {answer.seconds:.2f} s")
        assert answer.status == 503 and answer.seconds < FAST, answer
    finally:
        cluster.resume()
        server.remove()
