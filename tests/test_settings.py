"""Settings come from the environment; production settings refuse to start without a secret and pass --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
        timeout=120,
    )


def show(setting, **env):
    code = f"from django.conf import settings; print(settings.{setting})"
    return manage("shell", "-c", code, **env)


def test_production_without_secret_key_stops_with_a_clear_message():
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 60 + "-production-like-secret-key",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stderr


def test_database_and_cache_urls_are_read_from_the_environment():
    result = show(
        "DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND']",
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/anything",
        CACHE_URL="redis://127.0.0.1:6379/3",
    )
    assert "postgresql" in result.stdout and "RedisCache" in result.stdout, result.stderr


def test_defaults_are_sqlite_and_local_memory():
    result = show("DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND']", DJANGO_DEBUG="true")
    assert "sqlite3" in result.stdout and "LocMemCache" in result.stdout, result.stderr


def test_an_unknown_cache_url_is_refused_by_name():
    result = show("CACHES", DJANGO_DEBUG="true", CACHE_URL="memcached://127.0.0.1")
    assert result.returncode != 0 and "CACHE_URL" in result.stderr
