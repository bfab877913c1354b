"""A database that fails answers 503 (the site's page, or JSON under /api/) with one log line; limits on waiting.

These run in the suite's own process, with the failure made inside the database driver's call, so that it goes
through Django's error wrapping as a real one does. tests/test_database_down.py stops and pauses a real server.
"""

import contextlib
import logging
import socket
import time
from unittest import mock

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test import Client

from tracker import database_timeouts

from . import factories
from .test_settings import show

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_refuses(message="server closed the connection unexpectedly"):
    """Every query fails as the driver fails when its server has gone."""

    def execute(self, *args, **kwargs):
        with self.db.wrap_database_errors:
            raise self.db.Database.OperationalError(message)

    with mock.patch.object(CursorWrapper, "_execute", execute), \
            mock.patch.object(CursorWrapper, "_executemany", execute):
        yield


@pytest.fixture
def reader():
    # A failure outside any view is re-raised by the test client unless told not to; a browser never sees that.
    return Client(raise_request_exception=False)


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.WARNING)
    return caplog


def assert_one_warning(log, *words):
    database = [record for record in log.records if record.name == "tracker.database"]
    assert len(database) == 1, [record.getMessage() for record in log.records]
    assert database[0].levelno == logging.WARNING and database[0].exc_info is None
    for word in words:
        assert word in database[0].getMessage()
    assert not [record for record in log.records if record.levelno >= logging.ERROR], log.text


def assert_carries_the_policies(response):
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def assert_is_the_sites_page(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Temporarily unavailable" in html and "暂时无法连接数据库" in html
    assert " style=" not in html and "<script" not in html and "<style" not in html
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]


def assert_is_the_apis_answer(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"} and "database" in response.json()["detail"]
    assert response["Retry-After"].isdigit()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/", "/proposals/", "/themes/", "/proposals/feed/"])
def test_a_reader_page_gets_the_sites_503_page_and_one_log_line(reader, log, url):
    factories.proposal(themes=[factories.theme()])
    with database_refuses():
        response = reader.get(url)
    assert_is_the_sites_page(response)
    assert_carries_the_policies(response)
    assert_one_warning(log, "'default'", "OperationalError", "server closed the connection", f"GET {url}")


@pytest.mark.parametrize("url", ["/api/v1/proposals/", "/api/v1/proposals/?include=timeline", "/api/v1/themes/",
                                 "/api/v1/delegates/"])
def test_an_api_view_gets_json_through_drfs_exception_handler(reader, log, url):
    """DRF's handler answers API errors itself and re-raises the rest, so the middleware sees this one."""
    with database_refuses():
        response = reader.get(url)
    assert_is_the_apis_answer(response)
    assert_carries_the_policies(response)
    assert_one_warning(log, "'default'", "OperationalError", "GET /api/v1/")


def test_an_api_write_gets_json_too(reader, log):
    reader.force_login(factories.editor())
    with database_refuses():
        response = reader.post("/api/v1/themes/", {"slug": "ai", "name_en": "AI"}, content_type="application/json")
    assert_is_the_apis_answer(response)
    assert_one_warning(log, "POST /api/v1/themes/")


@pytest.mark.parametrize("url", ["/", "/api/v1/proposals/"])
def test_a_failure_in_the_response_caches_read_gets_the_same_answer(reader, log, settings, url):
    """The response cache reads the data version before any view: Django makes a 500 of that, which is replaced."""
    settings.RESPONSE_CACHE = True
    with database_refuses():
        response = reader.get(url)
    if url.startswith("/api/"):
        assert_is_the_apis_answer(response)
    else:
        assert_is_the_sites_page(response)
    assert_carries_the_policies(response)
    assert_one_warning(log, "'default'", "OperationalError", f"GET {url}")


def test_the_answer_is_not_cached_and_the_site_is_back_with_the_database(reader, settings):
    settings.RESPONSE_CACHE = True
    factories.theme(slug="ai", name_en="Artificial intelligence")
    with database_refuses():
        assert reader.get("/themes/").status_code == 503
    back = reader.get("/themes/")
    assert back.status_code == 200 and "Artificial intelligence" in back.content.decode()


def test_a_statement_timeout_names_its_class(reader, log):
    with database_refuses("canceling statement due to statement timeout"):
        assert reader.get("/themes/").status_code == 503
    assert_one_warning(log, "canceling statement due to statement timeout")


def test_other_errors_stay_server_errors(reader):
    with mock.patch.object(CursorWrapper, "_execute", side_effect=ZeroDivisionError):
        assert reader.get("/themes/").status_code == 500


def test_a_schema_behind_the_code_is_a_server_error_not_an_outage(reader, log):
    # SQLite's words for a migration not applied; waiting 30 seconds would not mend it.
    with database_refuses("no such column: proposals_body.abbreviation_zh"):
        assert reader.get("/themes/").status_code == 500
    assert not [record for record in log.records if "unavailable" in record.getMessage()]


# The limits on waiting for PostgreSQL


def test_postgresql_connections_carry_libpqs_limits_and_the_environment_sets_them():
    result = show("DATABASES['default']", DJANGO_DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
                  DATABASE_CONNECT_TIMEOUT="7", DATABASE_KEEPALIVES_IDLE="11", DATABASE_TCP_USER_TIMEOUT="12.5")
    assert "'ENGINE': 'tracker.postgresql'" in result.stdout, result.stderr
    for option in ("'connect_timeout': 7", "'keepalives': 1", "'keepalives_idle': 11", "'keepalives_interval': 10",
                   "'keepalives_count': 3", "'tcp_user_timeout': 12500"):
        assert option in result.stdout
    in_url = show("DATABASES['default']['OPTIONS']['connect_timeout']", DJANGO_DEBUG="true",
                  DATABASE_URL="postgres://postgres@127.0.0.1:5432/x?connect_timeout=9")
    assert in_url.stdout.split()[-1] == "9", in_url.stderr


def test_request_timeouts_have_defaults_and_come_from_the_environment():
    defaults = show("DATABASE_STATEMENT_TIMEOUT, settings.DATABASE_WAIT_TIMEOUT", DJANGO_DEBUG="true")
    assert defaults.stdout.split()[-2:] == ["3.0", "4.0"], defaults.stderr
    chosen = show("DATABASE_STATEMENT_TIMEOUT, settings.DATABASE_WAIT_TIMEOUT", DJANGO_DEBUG="true",
                  DATABASE_STATEMENT_TIMEOUT="10")
    assert chosen.stdout.split()[-2:] == ["10.0", "11.0"], chosen.stderr


def test_sqlite_gets_no_postgresql_options():
    result = show("DATABASES['default']", DJANGO_DEBUG="true")
    assert "sqlite3" in result.stdout and "keepalives" not in result.stdout, result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the statement timeout is PostgreSQL's")
def test_only_connections_opened_for_a_request_carry_the_statement_timeout(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 2.5
    assert "options" not in connection.get_connection_params()
    with database_timeouts.serving_request():
        assert connection.get_connection_params()["options"] == "-c statement_timeout=2500"
    settings.DATABASE_STATEMENT_TIMEOUT = 0
    with database_timeouts.serving_request():
        assert "options" not in connection.get_connection_params()


@pytest.fixture
def silent_server():
    """A server that accepts connections and never says a word, as a stopped PostgreSQL does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def wait_callback():
    psycopg2 = pytest.importorskip("psycopg2")
    previous = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(database_timeouts.wait_within_limit)
    yield psycopg2
    psycopg2.extensions.set_wait_callback(previous)


def test_a_request_stops_waiting_for_a_server_that_does_not_answer(wait_callback, silent_server, settings):
    settings.DATABASE_WAIT_TIMEOUT = 0.5
    started = time.monotonic()
    with database_timeouts.serving_request(), pytest.raises(database_timeouts.DatabaseDidNotAnswer):
        wait_callback.connect(host="127.0.0.1", port=silent_server, user="postgres", dbname="x", connect_timeout=30)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("wait_timeout", [None, 0])
def test_outside_a_request_or_without_a_limit_connecting_still_ends_at_connect_timeout(
        wait_callback, silent_server, settings, wait_timeout):
    settings.DATABASE_WAIT_TIMEOUT = wait_timeout
    within = database_timeouts.serving_request() if wait_timeout is not None else contextlib.nullcontext()
    started = time.monotonic()
    with within, pytest.raises(wait_callback.OperationalError):
        wait_callback.connect(host="127.0.0.1", port=silent_server, user="postgres", dbname="x", connect_timeout=1)
    assert 0.9 < time.monotonic() - started < 3
