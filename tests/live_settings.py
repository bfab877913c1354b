"""Production settings (tracker.settings, DEBUG off) for an app server a test starts: static files come from
the apps, as under `runserver`, since no `collectstatic` has run. Everything else is what production runs."""

from tracker.settings import *  # noqa: F403
from tracker.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
