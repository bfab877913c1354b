"""A method an API address does not take is a 405, whoever asks: decided before credentials are looked at.

DRF checks authentication and permissions before it looks for the method's handler, so an anonymous PUT to a
list answered 401 "credentials were not provided" although no credentials could ever make it work. This
middleware answers such a request with the 405 and the Allow header that any client would get, in the API's
JSON error shape, before the view (or the database) is reached.
"""

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def allowed_methods(view):
    """The methods the view behind a URL answers, or None when it is not a DRF view."""
    actions = getattr(view, "actions", None)  # a viewset's route: method -> action
    view_class = getattr(view, "cls", None)
    if view_class is None:
        return None
    if actions is not None:
        methods = {method.upper() for method in actions}
    else:
        methods = {method.upper() for method in view_class.http_method_names
                   if method != "options" and hasattr(view_class, method)}
    if "GET" in methods:
        methods.add("HEAD")
    return methods | {"OPTIONS"}


class KnownMethodMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            allowed = allowed_methods(match.func)
            if allowed is not None and request.method not in allowed:
                response = JsonResponse(
                    {"detail": _("Method “%(method)s” not allowed.") % {"method": request.method[:20]}}, status=405)
                response["Allow"] = ", ".join(sorted(allowed))
                return response
        return self.get_response(request)
