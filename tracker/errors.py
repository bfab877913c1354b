"""The site's error pages, chosen by where the request went: JSON under /api/, the admin's look under /admin/,
the reader pages' own templates everywhere else.

Django calls these for an error no view answered itself: a 404 no URL matched, a refused host or a malformed
request (400), a PermissionDenied (403), and any exception a view did not handle (500). An API client must get
JSON in the API's error shape whatever failed, never an HTML page it cannot read.
"""

import logging

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
ADMIN_PREFIX = "/admin/"
API_MESSAGES = {
    400: "Bad request: the request could not be understood.",
    403: "You do not have permission to perform this action.",
    404: "No API resource at this address.",
    413: "The request body is larger than this server takes.",
    500: "Server error: the request could not be answered. The error has been logged; please retry later.",
}


def _area(request):
    path = getattr(request, "path_info", "") or ""
    if path.startswith(API_PREFIX):
        return "api"
    if path.startswith(ADMIN_PREFIX):
        return "admin"
    return "site"


def _admin_context(request):
    try:
        return {**admin.site.each_context(request), "title": "", "subtitle": None}
    except Exception:  # the error page must render even when the admin's own context cannot be built
        logger.exception("Could not build the admin's context for an error page")
        return None


def _page(request, status, site_template, admin_template=None, context=None):
    if _area(request) == "api":
        return JsonResponse({"detail": _(API_MESSAGES[status])}, status=status)
    extra = context or {}
    if admin_template and _area(request) == "admin" and (admin_context := _admin_context(request)) is not None:
        try:
            return HttpResponse(loader.render_to_string(admin_template, {**admin_context, **extra}, request),
                                status=status)
        except Exception:
            logger.exception("Could not render the admin's error page %s", admin_template)
    try:
        body = loader.render_to_string(site_template, extra, request if status != 500 else None)
    except Exception:
        logger.exception("Could not render the error page %s", site_template)
        body = f"<!doctype html><title>Error</title><p>Error {status}.</p>"
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        # A form too large to read (a pasted book, a huge upload): say so, with the limit, rather than "bad".
        limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_048_576:.1f}"
        return _page(request, 413, "400.html", "admin/400.html", {"too_big": True, "limit_mb": limit})
    return _page(request, 400, "400.html", "admin/400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(request, 403, "403.html", "admin/403.html")


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, 404, "404.html", "admin/404.html")


@requires_csrf_token
def server_error(request):
    # The admin's context needs the database and the session, which may be why the request failed.
    return _page(request, 500, "500.html")
