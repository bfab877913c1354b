"""What every admin page of the project shares, so that no editor's input can make the admin fail.

- Autocomplete widgets redisplay a refused form without looking up values that cannot be keys (a session
  typed as "abc" used to raise while the form showed its own error).
- Inline formsets build at most a bounded number of forms, whatever TOTAL_FORMS a POST claims (a claim of
  100,000,000 kept a worker busy until it was killed).
"""

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

# Rows of one inline on one change page: far above any real proposal's, far below a costly page.
INLINE_MAX_ROWS = 200


class _ValidKeysOnly:
    """Looks up only the submitted values that can be keys of the related model; others show as unselected."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key_field = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        keys = []
        for item in value:
            try:
                key_field.run_validators(key_field.to_python(item))  # an integer key's validators bound its range
            except ValidationError:
                continue
            keys.append(item)
        return super().optgroups(name, keys, attr)


class SafeAutocompleteSelect(_ValidKeysOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidKeysOnly, AutocompleteSelectMultiple):
    pass


class SafeAutocompleteMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class EditorsAdmin(SafeAutocompleteMixin, SimpleHistoryAdmin):
    """The base of every ModelAdmin of the project: every record keeps its edit history."""


class BoundedInline(SafeAutocompleteMixin):
    """The base of every inline of the project: a bounded number of rows, refused beyond it with a form error."""

    max_num = INLINE_MAX_ROWS

    def get_formset(self, request, obj=None, **kwargs):
        # Django builds min(TOTAL_FORMS, absolute_max) forms before it can say there are too many.
        kwargs.setdefault("absolute_max", (self.get_max_num(request, obj) or INLINE_MAX_ROWS) + 1)
        return super().get_formset(request, obj, **kwargs)


class TabularInline(BoundedInline, admin.TabularInline):
    pass


class StackedInline(BoundedInline, admin.StackedInline):
    pass
