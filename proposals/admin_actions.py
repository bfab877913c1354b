"""The proposal list's bulk action "Record a status change": the record-a-step form, for many proposals at once."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import admin_steps, lifecycle

CONFIRM_FIELD = "record_status_apply"


@admin.action(description=gettext_lazy("Record a status change"), permissions=["record_status"])
def record_status_change(modeladmin, request, queryset):
    """Show the step form for the selected proposals; on its confirmation, record the step on all or none."""
    proposals = list(queryset.select_related("session"))
    refused = []
    confirmed = CONFIRM_FIELD in request.POST
    form, referrals = admin_steps.bound_forms(request.POST if confirmed else None, modeladmin.admin_site)
    if confirmed and all([form.is_valid(), referrals.is_valid()]):
        refused = admin_steps.record_step_on_many(proposals, form, referrals)
        if not refused:
            modeladmin.message_user(
                request,
                ngettext(
                    "Recorded “%(status)s” on %(count)d proposal.",
                    "Recorded “%(status)s” on %(count)d proposals.",
                    len(proposals),
                ) % {"status": lifecycle.label(form.cleaned_data["status"]), "count": len(proposals)},
                messages.SUCCESS,
            )
            return None  # back to the list

    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Record a status change"),
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "referrals": referrals,
        "sections": admin_steps.sections(form),
        "proposals": proposals,
        "refusals": refused,
        "media": modeladmin.media + form.media + referrals.media,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "record_status_change",
        "confirm_field": CONFIRM_FIELD,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/proposals/proposal/record_status.html", context)

