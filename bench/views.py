"""The benchmark's ceiling: the cheapest answer the full Django stack can give, served only when TRACKER_BENCH=1."""

from django.http import HttpResponse

CONSTANT = b"Two Sessions Tracker: constant bytes for measuring the cost of the stack itself.\n" * 12


def constant_bytes(request):
    return HttpResponse(CONSTANT, content_type="text/plain; charset=utf-8")
