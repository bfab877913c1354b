"""The editors' admin site: its names, and autocomplete results that tell records apart.

A ModelAdmin's model may define `autocomplete_label()`; pickers then list that ("Lei Jun 雷军 — NPC
deputy, 13th term") instead of the bare name, so two people of similar names can be told apart.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class LabelledAutocompleteView(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(obj, "autocomplete_label", None)
        if callable(label):
            result["text"] = label()
        return result


class EditorsAdminSite(admin.AdminSite):
    site_header = _("Two Sessions Tracker · editors")
    site_title = _("Two Sessions Tracker")
    index_title = _("Editors' desk")
    index_template = "admin/editors/index.html"

    def index(self, request, extra_context=None):
        """The front page is the editors' desk: what needs doing today (settings.EDITORS_DESK builds it)."""
        builder = getattr(settings, "EDITORS_DESK", None)
        if builder and request.user.has_perm("proposals.view_proposal"):
            extra_context = {**(extra_context or {}), "desk": import_string(builder)(request.user)}
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        return LabelledAutocompleteView.as_view(admin_site=self)(request)


class EditorsAdminConfig(AdminConfig):
    default_site = "tracker.admin_site.EditorsAdminSite"
