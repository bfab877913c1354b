"""The test suite's settings: the ordinary ones, with debug defaults, a fast hasher and a private cache."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# Tests run with DEBUG off but without collectstatic: serve static files from the apps, as in development.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
