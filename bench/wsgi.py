"""The site's WSGI application, plus the benchmark's `/__bench__/hello` answered with no middleware at all.

bench/run.py serves this module (only it: `make serve` uses tracker/wsgi.py). The reference it adds is built the
way the independent ceiling harness builds its `/hello` (a plain Django view, no middleware, precomputed bytes),
so that CPU per request divided by it reads like the harness's `cpu ratio`.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler

from tracker.wsgi import application as site

from .views import hello

HELLO_PATH = "/__bench__/hello"


class BareHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware chain, serving one view."""

    def load_middleware(self, is_async=False):
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        self._middleware_chain = convert_exception_to_response(lambda request: hello(request))


bare = BareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == HELLO_PATH:
        return bare(environ, start_response)
    return site(environ, start_response)
