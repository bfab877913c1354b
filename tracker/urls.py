import os

from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from tracker.health import healthz

# Error pages by area: JSON under /api/, the admin's look under /admin/, the site's own templates elsewhere.
handler400 = "tracker.errors.bad_request"
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"

def favicon(request):
    # Resolved per request: the hashed file name exists only once collectstatic has run.
    return HttpResponsePermanentRedirect(static("img/icon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links to; the site's icon answers it.
    path("favicon.ico", favicon),
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
