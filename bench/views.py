"""The benchmark's references, served only when TRACKER_BENCH=1.

`constant_bytes` runs behind the site's whole middleware stack: the cost of the stack itself. `HELLO` is the
independent ceiling harness's reference, a page of 50 made-up proposals (about 37 KB of JSON, the size of an API
list page) answered by a plain Django view with no middleware at all (bench/wsgi.py): figures divided by its CPU
read like the harness's `cpu ratio`.
"""

import json

from django.http import HttpResponse

CONSTANT = b"Two Sessions Tracker: constant bytes for measuring the cost of the stack itself.\n" * 12


def _fake_page(size=50):
    def item(number):
        return {
            "id": 100_000 - number, "reference": f"CPPCC-2025-{number:05d}",
            "title": f"Proposal on strengthening national standards for item {number} " + "x" * (number % 60),
            "summary": "The proposal asks the government to set a national plan and clear targets. " * 4,
            "submitted_at": f"2025-03-{1 + number % 28:02d}T08:00:00Z",
            "delegate": {"id": number * 7 % 1000, "name": f"Delegate {number}", "country": "CN"},
            "themes": ["artificial-intelligence", "education"][: 1 + number % 2],
            "status": "referred", "status_at": f"2025-04-{1 + number % 28:02d}T08:00:00Z",
        }

    return {"next": "http://127.0.0.1/hello?cursor=abc", "previous": None, "results": [item(n) for n in range(size)]}


HELLO = json.dumps(_fake_page(), ensure_ascii=False, separators=(",", ":")).encode()


def constant_bytes(request):
    return HttpResponse(CONSTANT, content_type="text/plain; charset=utf-8")


def hello(request):
    return HttpResponse(HELLO, content_type="application/json")
