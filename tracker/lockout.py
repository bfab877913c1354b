"""The page a locked-out sign-in gets: in the admin's look, saying how long the lock lasts and how it is lifted."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {**admin.site.each_context(request), "cooloff_minutes": minutes, "title": "", "subtitle": None}
    return render(request, "admin/locked_out.html", context, status=429)
