"""A throwaway PostgreSQL cluster and a gunicorn app server, started and stopped by the tests that use them.

The cluster lives in a temporary directory on a free port: the tests may stop, pause and resume it without
touching any other database. As root (where initdb refuses to run) it runs as the `postgres` user.
Everything started here is stopped by its process id.
"""

import contextlib
import glob
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-test-secret-key-" + "x" * 40


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgresql_bindir():
    """The directory holding initdb and pg_ctl, or None."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    versions = [path for path in glob.glob("/usr/lib/postgresql/*/bin") if path.split("/")[-2].isdigit()]
    candidates += sorted(versions, key=lambda path: int(path.split("/")[-2]), reverse=True)  # Debian's, newest first
    for found in (shutil.which("initdb"), shutil.which("pg_ctl")):
        if found:
            candidates.append(str(Path(found).parent))
    for directory in candidates:
        if directory and all(os.access(Path(directory) / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(directory)
    return None


def require_postgresql_tools():
    """Skip (or, in CI, fail) where there is no initdb and pg_ctl to start a cluster with."""
    bindir = postgresql_bindir()
    reason = None
    if bindir is None:
        reason = "initdb and pg_ctl are not installed (Debian: postgresql)"
    elif os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            reason = "running as root, and there is no postgres user to run initdb as"
        if not shutil.which("runuser"):
            reason = "running as root, and there is no runuser to run initdb as postgres"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must be able to start a PostgreSQL cluster.")
        pytest.skip(reason)
    return bindir


class Cluster:
    """initdb into a temporary directory, then start, stop, pause and resume the postmaster and its backends."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgresql.log"
        self.as_postgres = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")
        self.paused = False

    def _run(self, tool, *arguments):
        result = subprocess.run([*self.as_postgres, str(self.bindir / tool), *arguments], capture_output=True,
                                text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}{result.stderr}")
        return result

    def start(self):
        settings = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c full_page_writes=off -c synchronous_commit=off")
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", settings)

    def stop(self, mode="fast"):
        self.resume()
        if self.postmaster_pid() is not None:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "30")

    def postmaster_pid(self):
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def processes(self):
        """The postmaster and every process it started (backends, checkpointer, walwriter, …)."""
        postmaster = self.postmaster_pid()
        if postmaster is None:
            return []
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    children.append(int(stat.split("/")[2]))
        return [postmaster, *children]

    def pause(self):
        """Stop every process of the cluster (SIGSTOP): its sockets stay open and its kernel answers for it."""
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.paused:
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            self.paused = False

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database="postgres"):
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                                      connect_timeout=5)
        connection.autocommit = True
        return connection

    def execute(self, sql, database="postgres"):
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    def remove(self):
        try:
            self.stop(mode="immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def app_environment(database_url, **extra):
    """The environment of a production app server (DEBUG off) on `database_url`, timeouts at their defaults;
    `extra` adds to it or overrides it."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_URL", "REDIS_URL", "GUNICORN_", "PG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.live_settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on the loopback, no proxy in front
        DATABASE_URL=database_url,
        CACHE_URL="locmem://",
        API_THROTTLE_ANON="100000/min",
    )
    env.update(extra)
    return env


def manage(env, *arguments, check=True, timeout=120):
    result = subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}{result.stderr}")
    return result


class Response:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    def text(self):
        return self.body.decode()

    def __repr__(self):
        return f"<{self.status} in {self.seconds:.2f} s: {self.body[:120]!r}>"


class AppServer:
    """gunicorn with tracker/gunicorn.conf.py, as `make serve` runs it, on a free port of 127.0.0.1."""

    def __init__(self, env, workers=2):
        self.port = free_port()
        self.log_path = Path(tempfile.mkstemp(prefix="tracker-gunicorn-", suffix=".log")[1])
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers),
               "GUNICORN_MAX_REQUESTS": "0"}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "tracker/gunicorn.conf.py"],
                                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log()
                self.remove()
                raise RuntimeError(f"gunicorn exited:\n{log}")
            with contextlib.suppress(OSError):
                self.get("/static/css/site.css", timeout=2)
                return
            time.sleep(0.1)
        log = self.log()
        self.remove()
        raise RuntimeError(f"gunicorn did not answer within 30 s:\n{log}")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, timeout=40):
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return Response(answer.status, answer.headers, answer.read(), time.monotonic() - started)
        finally:
            connection.close()

    def get(self, path, headers=None, timeout=40):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def remove(self):
        try:
            self.stop()
        finally:
            self.log_path.unlink(missing_ok=True)
