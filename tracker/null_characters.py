"""NUL characters in a query string or form: refused by the API, dropped everywhere else.

No text the tracker stores or searches can hold U+0000 (PostgreSQL refuses it in any string, and echoing
it into a page would corrupt the HTML), yet every filter, search box, admin list filter and autocomplete
passed it on to the database, which answered with a server error. This one middleware closes the class:
an API client gets a 400 naming the parameters, as for any other bad value; a reader's or editor's form
goes on without the character.
"""

from django.http import JsonResponse, QueryDict
from django.utils.translation import gettext as _

NUL = "\x00"
API_PREFIX = "/api/"


def _has_nul(query):
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


def _without_nul(query):
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        cleaned.setlist(key.replace(NUL, ""), [value.replace(NUL, "") for value in values])
    cleaned._mutable = False
    return cleaned


class NullCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info:
            return self._refuse(request, ["path"]) if request.path_info.startswith(API_PREFIX) else \
                self.get_response(request)  # no URL pattern matches a NUL: the site's own 404
        if _has_nul(request.GET):
            if request.path_info.startswith(API_PREFIX):
                return self._refuse(request, sorted(key for key, values in request.GET.lists()
                                                    if NUL in key or any(NUL in value for value in values)))
            request.GET = _without_nul(request.GET)
        # The API's serializers refuse a NUL in a body with a 400 naming the field; forms would store it.
        if request.method == "POST" and not request.path_info.startswith(API_PREFIX) and request.content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data") and _has_nul(request.POST):
            request.POST = _without_nul(request.POST)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, names):
        message = _("Null characters are not allowed.")
        return JsonResponse({name.replace(NUL, "\\0"): [message] for name in names}, status=400)
