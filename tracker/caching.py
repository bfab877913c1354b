"""One data version for the whole site: any saved or deleted record moves it on.

Cached pieces and HTTP validators (ETag, Last-Modified) are keyed on it, so a reader never gets a
stale status after an editor's save: the next request computes under a new version.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "tracker:data-version"
TRACKED_APPS = {"proposals", "people"}


def data_version():
    """The current version: an increasing integer (nanoseconds of the last change)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_data_version():
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def _on_change(sender, **kwargs):
    if sender._meta.app_label in TRACKED_APPS:
        # After commit too: a reader between the write and the commit must not cache the old rows as new.
        bump_data_version()
        transaction.on_commit(bump_data_version)


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"tracker-data-version-{signal!r}")
