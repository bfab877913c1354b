import os

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("tracker.api.urls")),
    path("follow/", include("proposals.follow.urls")),
    path("", include("people.urls")),
    path("", include("proposals.urls")),
]

# The benchmark's constant-bytes ceiling (bench/run.py); never served unless asked for.
if os.environ.get("TRACKER_BENCH") == "1":
    from bench.views import constant_bytes

    urlpatterns.insert(0, path("__bench__/constant/", constant_bytes))
