"""What every admin page of the project shares, so that no editor's input can make the admin fail or lose an edit.

- No lost edit: a change form carries a token of the record as it was when the page was opened; a save
  made after someone else's is refused with a form error naming who changed what, and nothing is
  overwritten. The record's row is locked from that check to the end of the save, so two saves of one
  record run one after the other; a save that still meets a conflict while writing (a timeline made
  impossible by the other save) is checked again against what is now stored and shown with its reason.
- Autocomplete widgets redisplay a refused form without looking up values that cannot be keys (a session
  typed as "abc" used to raise while the form showed its own error).
- Inline formsets build at most a bounded number of forms, whatever TOTAL_FORMS a POST claims (a claim of
  100,000,000 kept a worker busy until it was killed).
"""

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

EDIT_TOKEN = "_edit_token"

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


def error_summary(adminform, inline_admin_formsets):
    """Every error of a change form as (where, message, anchor): the banner at the top says what is wrong and
    where, instead of only "Please correct the error below" with the reason a long way down the page."""
    summary = []
    form = adminform.form if adminform is not None else None
    if form is not None and form.is_bound:
        for name, errors in form.errors.items():
            label = capfirst(form.fields[name].label) if name in form.fields else ""
            summary += [(label, message, f"id_{name}" if name in form.fields else "") for message in errors]
    for inline in inline_admin_formsets:
        formset = inline.formset
        if not formset.is_bound:
            continue
        heading = capfirst(inline.opts.verbose_name_plural)
        summary += [(heading, message, f"{formset.prefix}-group") for message in formset.non_form_errors()]
        for number, row in enumerate(formset.forms, start=1):
            for name, errors in row.errors.items():
                field = row.fields.get(name)
                where = f"{capfirst(inline.opts.verbose_name)} {number}" + (f", {field.label}" if field else "")
                anchor = f"id_{row.prefix}-{name}" if field else f"{formset.prefix}-{number - 1}"
                summary += [(where, message, anchor) for message in errors]
    return summary


class StaleEditGuardMixin:
    """Refuses a save made from a page opened before someone else's save of the same record."""

    change_form_template = "admin/editors/change_form.html"
    save_on_top = True  # long change pages: Save without scrolling to the end

    class Media:
        js = ["js/editors.js"]
        css = {"all": ["css/editors.css"]}

    def edit_token(self, obj):
        """What identifies the stored state of `obj`: its latest history row, and its updated_at where it has one."""
        latest = obj.history.order_by("-history_id").values_list("history_id", flat=True).first()
        updated_at = getattr(obj, "updated_at", None)
        return f"{latest or 0}:{updated_at.isoformat() if updated_at else ''}"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["error_summary"] = error_summary(context.get("adminform"), context.get("inline_admin_formsets", ()))
        if obj is not None and obj.pk is not None:
            # A refused save redisplays the token the editor's page was opened with, so saving again is refused
            # again until they reload; a fresh page gets the current one.
            context[EDIT_TOKEN.lstrip("_")] = request.POST.get(EDIT_TOKEN) or self.edit_token(obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def rows_to_lock(self, obj):
        """The rows a save of `obj` writes through; locked in this order before the stale check."""
        return [obj]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        if obj is None or request.method != "POST":
            return form_class
        model_admin = self

        class GuardedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                model_admin.refuse_stale_edit(request, obj)
                return cleaned_data

        return GuardedForm

    def refuse_stale_edit(self, request, obj):
        for row in self.rows_to_lock(obj):
            type(row)._default_manager.select_for_update().filter(pk=row.pk).exists()
        sent = request.POST.get(EDIT_TOKEN)
        if not sent:
            return  # a form without the token (a script, an old page) is only serialized by the lock
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        if sent != self.edit_token(fresh):
            raise ValidationError(self.stale_message(fresh, sent), code="stale_edit")

    @staticmethod
    def token_parts(token):
        """(the history id, the updated_at text) an edit token holds; (0, "") for one that is not a token."""
        history_id, _sep, updated_at = token.partition(":")
        return (int(history_id) if history_id.isascii() and history_id.isdigit() else 0), updated_at

    def changes_since(self, obj, sent_token):
        """(who, when, what) for each save of `obj` after the one `sent_token` names."""
        history_id = self.token_parts(sent_token)[0]
        changes = []
        for record in obj.history.filter(history_id__gt=history_id).order_by("history_id"):
            previous = record.prev_record
            fields = record.diff_against(previous).changed_fields if previous is not None else []
            names = [str(obj._meta.get_field(name).verbose_name) for name in fields]
            changes.append((record.history_user, record.history_date, names))
        return changes

    def stale_message(self, obj, sent_token):
        lines = []
        for user, when, names in self.changes_since(obj, sent_token):
            who = user.get_username() if user else _("someone")
            what = ", ".join(names) if names else _("the record")
            lines.append(_("%(who)s at %(when)s changed %(what)s") % {
                "who": who, "when": date_format(timezone.localtime(when), "Y-m-d H:i:s"), "what": what})
        done = "; ".join(lines) if lines else _("another save changed it")
        return _("This record was saved by someone else since you opened this page (%(changes)s). Nothing was "
                 "saved, so nothing of theirs was overwritten: reload the page to see the current version, "
                 "then make your change again.") % {"changes": done}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, IntegrityError):
            if request.method != "POST":
                raise
        # Another save came between this form's checks and its writes, and everything was rolled back.
        # Checked again against what is now stored, the form shows the reason beside what the editor typed.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, IntegrityError) as error:
            self.message_user(request, _("Not saved: %(reason)s") % {
                "reason": " ".join(getattr(error, "messages", [str(error)]))}, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class EditorsAdmin(StaleEditGuardMixin, SafeAutocompleteMixin, SimpleHistoryAdmin):
    """The base of every ModelAdmin of the project: edits are never silently lost, and every record keeps its
    edit history."""


class BoundedInline(SafeAutocompleteMixin):
    """The base of every inline of the project: a bounded number of rows, refused beyond it with a form error."""

    max_num = INLINE_MAX_ROWS

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", (self.get_max_num(request, obj) or INLINE_MAX_ROWS) + 1)
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (RefusesTooManyForms, formset), {})


class RefusesTooManyForms:
    """A formset claiming more rows than it may hold builds only its stored rows: Django would build (and the
    refused page render) absolute_max empty forms first, and only then say there are too many."""

    def total_form_count(self):
        if self.is_bound and self.management_form.is_valid():
            claimed = self.management_form.cleaned_data["TOTAL_FORMS"]
            if claimed > self.absolute_max:
                return min(self.initial_form_count(), self.absolute_max)
        return super().total_form_count()


class TabularInline(BoundedInline, admin.TabularInline):
    pass


class StackedInline(BoundedInline, admin.StackedInline):
    pass
