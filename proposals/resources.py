"""CSV (and Excel) import and export of proposals for editors who work in spreadsheets.

An exported cell that a spreadsheet would run as a formula is escaped; the import undoes that escape, so a
file goes out and comes back unchanged. Imports never touch timelines: status columns are export-only,
because every status change goes through `proposals.services`.

A row with an id updates that proposal; a row without one is matched on its stable key, the session and the
English title, so importing the same file twice updates instead of copying. A new row that only reads like a
proposal of the same session and lead sponsor is refused until the file says `new_despite_similar=true`.
Imported proposals start as drafts.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from people.models import Delegate
from tracker.spreadsheets import TRUE_WORDS, escape_formula, read_flag, unescape_formula

from . import services
from .models import Proposal, Session, Theme

SEPARATOR = ","
# A column that tells the import a new row is meant, although it reads like a proposal already there.
CONFIRM_NEW = "new_despite_similar"


def _is_true(value):
    return str(value or "").strip().lower() in TRUE_WORDS


def split_slugs(value):
    return [slug.strip() for slug in str(value or "").split(SEPARATOR) if slug.strip()]


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's slug; an unknown slug is a row error, not a crash."""

    def __init__(self, model):
        super().__init__(model, field="slug")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("No %(model)s with the slug “%(slug)s”.") % {"model": self.model._meta.verbose_name, "slug": value}
            ) from None


class SlugListWidget(widgets.ManyToManyWidget):
    """Related objects as comma-separated slugs, kept in the order written; unknown slugs are a row error."""

    def __init__(self, model):
        super().__init__(model, separator=SEPARATOR, field="slug")

    def clean(self, value, row=None, **kwargs):
        slugs = split_slugs(value)
        found = {obj.slug: obj for obj in self.model.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise ValueError(
                _("No %(model)s with the slug %(slugs)s.") % {
                    "model": self.model._meta.verbose_name, "slugs": ", ".join(f"“{slug}”" for slug in unknown)}
            )
        return [found[slug] for slug in dict.fromkeys(slugs)]


class SponsorsField(fields.Field):
    """Sponsors as delegate slugs, the lead sponsor first. Written after the proposal is saved (see save_m2m)."""

    def __init__(self):
        super().__init__(attribute="sponsors", column_name="sponsors", widget=SlugListWidget(Delegate))

    def clean(self, row, **kwargs):
        sponsors = super().clean(row, **kwargs)
        if not sponsors:
            raise ValueError(_("Name at least one sponsor by slug; the first one is the lead sponsor."))
        return sponsors

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance._imported_sponsors = self.clean(row, **kwargs)


class TrueFalseWidget(widgets.BooleanWidget):
    """Booleans as the words spreadsheets and the API use: true and false."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else ("true" if value else "false")

    def clean(self, value, row=None, **kwargs):
        return read_flag(value)


class ProposalResource(resources.ModelResource):
    session = fields.Field(attribute="session", column_name="session", widget=SlugWidget(Session))
    sponsors = SponsorsField()
    themes = fields.Field(attribute="themes", column_name="themes", widget=SlugListWidget(Theme))
    lead_sponsor = fields.Field(column_name="lead_sponsor", readonly=True)
    # The model's summary_en, under the column name spreadsheets already use.
    summary = fields.Field(attribute="summary_en", column_name="summary")
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    status_date = fields.Field(
        attribute="status_date", column_name="status_date", readonly=True, widget=widgets.DateWidget("%Y-%m-%d")
    )
    reply_due_on = fields.Field(
        attribute="reply_due_on", column_name="reply_due_on", readonly=True, widget=widgets.DateWidget("%Y-%m-%d")
    )
    published = fields.Field(attribute="published", column_name="published", readonly=True, widget=TrueFalseWidget())
    summary_zh_translated = fields.Field(
        attribute="summary_zh_translated", column_name="summary_zh_translated", widget=TrueFalseWidget())

    class Meta:
        model = Proposal
        fields = [
            "id", "title_en", "title_zh", "kind", "number", "session", "status", "status_date", "reply_due_on",
            "published", "lead_sponsor", "sponsors", "themes", "summary", "summary_zh", "summary_zh_translated",
        ]
        export_order = fields
        import_id_fields = ["id"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def dehydrate_lead_sponsor(self, proposal):
        lead = proposal.lead_sponsor
        return lead.name_en if lead else ""

    def dehydrate_sponsors(self, proposal):
        return SEPARATOR.join(sponsorship.delegate.slug for sponsorship in proposal.sponsorships.all())

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    def get_export_queryset(self, request=None, **kwargs):
        return Proposal.objects.with_related()

    def get_instance(self, instance_loader, row):
        if row.get("id") not in (None, ""):
            return super().get_instance(instance_loader, row)
        # No id: the stable key, so that a file imported twice updates what its first import created. The row
        # then carries that id, as if the file had given it (an empty id cell would otherwise be imported too).
        match = Proposal.objects.filter(session__slug=(row.get("session") or "").strip(),
                                        title_en=(row.get("title_en") or "").strip()).first()
        if match is not None:
            row["id"] = str(match.pk)
        return match

    def get_user_visible_fields(self):
        """The columns an import reads: what the import page lists (not the export-only status columns)."""
        return [field for field in self.get_import_fields() if not field.readonly]

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # Columns this import reads nothing from (the status ones are the timeline's), named for the editor.
        taken = {field.column_name for field in self.get_user_visible_fields()} | {CONFIRM_NEW}
        result.ignored_columns = [header for header in dataset.headers or () if header and header not in taken]

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            row[column] = unescape_formula(value)

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._imported_as_new = new

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance._imported_as_new and row.get("id") not in (None, ""):
            errors["id"] = ValidationError(
                _("No proposal has the id %(id)s; leave the id empty to add a new proposal.") % {"id": row["id"]}
            )
        # The library reads many-to-many columns only after saving; check them now so a bad slug is a row error.
        for field in (self.fields["sponsors"], self.fields["themes"]):
            try:
                cleaned = field.clean(row, **kwargs)
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error), code="invalid")
                continue
            if field is self.fields["sponsors"] and instance.session_id and "session" not in errors:
                unseated = services.unseated_sponsors(instance.session, cleaned)
                if unseated:
                    errors["sponsors"] = ValidationError(_(
                        "No seat in %(body)s for the %(term)sth term is recorded for %(delegates)s; add it to the "
                        "delegate first.") % {"body": instance.session.body, "term": instance.session.term,
                                              "delegates": ", ".join(person.slug for person in unseated)})
        if instance._imported_as_new and not errors and not _is_true(row.get(CONFIRM_NEW)):
            self._refuse_likely_duplicate(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def _refuse_likely_duplicate(self, instance, row, errors):
        sponsors = self.fields["sponsors"].clean(row)
        similar = Proposal.objects.likely_duplicates(session=instance.session, lead=sponsors[0] if sponsors else None,
                                                     title_en=instance.title_en, title_zh=instance.title_zh)
        if similar:
            names = "; ".join(f"#{other.pk} “{other.title_en}”" for other, _score in similar)
            errors["title_en"] = ValidationError(_(
                "Reads like %(proposals)s (same session and lead sponsor): give that id to update it, or add a "
                "column %(column)s with true to add a new proposal anyway.") % {"proposals": names,
                                                                               "column": CONFIRM_NEW})

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        sponsors = getattr(instance, "_imported_sponsors", None)
        if sponsors is not None and (self._is_using_transactions(kwargs) or not self._is_dry_run(kwargs)):
            self._save_sponsors(instance, sponsors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The library compares sponsors as a set; a new lead sponsor is a change too.
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        return self._sponsor_ids(original) == [delegate.pk for delegate in self.fields["sponsors"].clean(row)]

    @staticmethod
    def _sponsor_ids(proposal):
        if proposal.pk is None:
            return []
        return [sponsorship.delegate_id for sponsorship in proposal.sponsorships.order_by("-is_lead", "order")]

    @staticmethod
    def _save_sponsors(proposal, sponsors):
        services.set_sponsors(proposal, sponsors)  # the first one leads
