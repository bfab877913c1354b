"""The proposal import: rows with errors are listed in the preview and skipped, the valid ones can still be imported.

django-import-export offers no confirmation while any row is invalid, so one bad line in a long spreadsheet
would block the whole file. The editor sees each bad row and its reasons, and chooses to import the rest.
Rows that fail outright (not a validation error) still block the import.
"""

from django.contrib import messages
from django.utils.translation import ngettext


class PartialImportMixin:
    import_template_name = "admin/proposals/proposal/import.html"

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None and "confirm_form" not in context and self._only_some_rows_invalid(result):
            context["confirm_form"] = self.create_confirm_form(request, import_form=context["form"])
            context["rows_to_import"] = result.total_rows - len(result.invalid_rows)
        return response

    @staticmethod
    def _only_some_rows_invalid(result):
        return (
            not result.has_errors()
            and result.has_validation_errors()
            and len(result.invalid_rows) < result.total_rows
        )

    def add_success_message(self, result, request):
        super().add_success_message(result, request)
        if result.invalid_rows:
            numbers = ", ".join(str(row.number) for row in result.invalid_rows)
            messages.warning(
                request,
                ngettext(
                    "%(count)d row with errors was skipped (row %(numbers)s).",
                    "%(count)d rows with errors were skipped (rows %(numbers)s).",
                    len(result.invalid_rows),
                ) % {"count": len(result.invalid_rows), "numbers": numbers},
            )
