"""The proposal list's bulk action "Record a status change", with its intermediate page."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import services
from .admin_forms import RecordStatusForm

CONFIRM_FIELD = "record_status_apply"


@admin.action(description=gettext_lazy("Record a status change"), permissions=["record_status"])
def record_status_change(modeladmin, request, queryset):
    """Show the status form for the selected proposals; on its confirmation, record the change on all or none."""
    proposals = list(queryset.select_related("session"))
    refused = []
    if CONFIRM_FIELD in request.POST:
        form = RecordStatusForm(request.POST, admin_site=modeladmin.admin_site)
        if form.is_valid():
            refused = services.record_status_for_many(proposals, **form.event_fields())
            if not refused:
                status = dict(form.fields["status"].choices)[form.cleaned_data["status"]]
                modeladmin.message_user(
                    request,
                    ngettext(
                        "Recorded “%(status)s” on %(count)d proposal.",
                        "Recorded “%(status)s” on %(count)d proposals.",
                        len(proposals),
                    ) % {"status": status, "count": len(proposals)},
                    messages.SUCCESS,
                )
                return None  # back to the list
    else:
        form = RecordStatusForm(admin_site=modeladmin.admin_site)

    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Record a status change"),
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "proposals": proposals,
        "refusals": [(proposal, error.messages) for proposal, error in refused],
        "media": modeladmin.media + form.media,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "record_status_change",
        "confirm_field": CONFIRM_FIELD,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/proposals/proposal/record_status.html", context)
