"""Delegates, the bodies they sit in, the companies they lead, and those companies' dated events."""

from django.contrib.humanize.templatetags.humanize import ordinal
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from proposals.bilingual import NamedRecord, chinese_number
from proposals.meaning.chinese import name_key
from proposals.models import quote_span_ok


def _ends_after_start(name):
    return models.CheckConstraint(
        condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=F("started_on")),
        name=name,
        violation_error_message=_("The end date cannot come before the start date."),
    )


def _with_pinyin_key(kwargs, name_fields):
    """A save of some fields only writes the pinyin key too when it saves a name it is made from."""
    fields = kwargs.get("update_fields")
    if fields is not None and name_fields & set(fields):
        return {**kwargs, "update_fields": [*fields, "pinyin_key"]}
    return kwargs


class DatedSpanMixin:
    def clean(self):
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end date cannot come before the start date.")})


class Delegate(NamedRecord):
    name_pinyin = models.CharField(_("name (pinyin)"), max_length=200, blank=True)
    other_names = models.CharField(
        max_length=300, blank=True, help_text=_("Other spellings and names the person is known by, comma-separated.")
    )
    bio = models.TextField(blank=True, max_length=5000)
    # The name as typed in pinyin, without tones or spaces (chinese.name_key), for the name filters.
    pinyin_key = models.CharField(_("name for pinyin search"), max_length=300, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]

    def seats(self):
        """Its seats, one line per body and role with the terms together (memberships prefetched)."""
        return seat_summaries(self.memberships.all())

    def save(self, *args, **kwargs):
        self.pinyin_key = name_key(chinese=self.name_zh, pinyin=self.name_pinyin, other=self.other_names)
        kwargs = _with_pinyin_key(kwargs, {"name_zh", "name_pinyin", "other_names"})
        super().save(*args, **kwargs)

    def autocomplete_label(self):
        """Name in both languages and seats, so pickers tell namesakes apart (memberships prefetched)."""
        name = f"{self.name_en} {self.name_zh}".strip()
        seats = "; ".join(self.seats())
        return f"{name} — {seats}" if seats else name

    def get_absolute_url(self):
        return reverse("people:delegate_detail", kwargs={"slug": self.slug})


def seat_summaries(memberships):
    """One line per body and role, its terms together.

    "NPC deputy, 13th and 14th terms"; for Chinese readers "全国人大代表（第十三、十四届）".
    """
    from proposals.bilingual import reader_prefers_chinese

    grouped = {}
    for membership in memberships:
        grouped.setdefault((membership.body, membership.role), []).append(membership)
    lines = []
    for (body, _role), seats in grouped.items():
        role = seats[0].get_role_display()
        terms = sorted({seat.term for seat in seats if seat.term})
        if reader_prefers_chinese():
            seat = f"{body.short_name}{role}"
            lines.append(f"{seat}（第{'、'.join(chinese_number(term) for term in terms)}届）" if terms else seat)
            continue
        seat = gettext("%(body)s %(role)s") % {"body": body.short_name, "role": str(role).lower()}
        if not terms:
            lines.append(seat)
            continue
        named = [ordinal(term) for term in terms]
        listed = named[0] if len(named) == 1 else gettext("%(first)s and %(last)s") % {
            "first": ", ".join(named[:-1]), "last": named[-1]}
        lines.append(ngettext("%(seat)s, %(terms)s term", "%(seat)s, %(terms)s terms", len(terms)) % {
            "seat": seat, "terms": listed})
    return lines


class MembershipQuerySet(models.QuerySet):
    def seated_at(self, session):
        """Seats in the session's body for its term (or for no recorded term) that were held when it opened."""
        opened = session.opened_on
        return self.filter(
            Q(term__isnull=True) | Q(term=session.term),
            Q(started_on__isnull=True) | Q(started_on__lte=opened),
            Q(ended_on__isnull=True) | Q(ended_on__gte=opened),
            body_id=session.body_id,
        )


class Membership(DatedSpanMixin, models.Model):
    """A seat in a body for a term: an NPC deputy, a CPPCC National Committee member."""

    class Role(models.TextChoices):
        DEPUTY = "deputy", _("Deputy")
        MEMBER = "member", _("Member")
        STANDING_COMMITTEE = "standing_committee", _("Standing Committee member")

    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="memberships")
    body = models.ForeignKey("proposals.Body", on_delete=models.PROTECT, related_name="memberships")
    term = models.PositiveSmallIntegerField(null=True, blank=True)
    role = models.CharField(max_length=30, choices=Role.choices)
    delegation = models.CharField(
        max_length=200, blank=True, help_text=_("The delegation (NPC) or sector (CPPCC), when known.")
    )
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["delegate", "body", "-term"]
        constraints = [
            models.UniqueConstraint(fields=["delegate", "body", "term", "role"], name="membership_once_per_term"),
            _ends_after_start("membership_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.delegate}: {self.seat_label()}"

    def seat_label(self):
        """The seat as editors say it: "NPC deputy, 13th term"."""
        return seat_summaries([self])[0]


class Company(NamedRecord):
    sector = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True, max_length=5000)
    # The Chinese name read in pinyin, without tones or spaces (chinese.name_key): 小米 is found as "xiaomi".
    pinyin_key = models.CharField(_("name for pinyin search"), max_length=300, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = _("companies")

    def save(self, *args, **kwargs):
        self.pinyin_key = name_key(chinese=self.name_zh)
        kwargs = _with_pinyin_key(kwargs, {"name_zh"})
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("people:company_detail", kwargs={"slug": self.slug})


class Affiliation(DatedSpanMixin, models.Model):
    """A delegate's position at a company: founder, CEO, chairman, general manager…"""

    delegate = models.ForeignKey(Delegate, on_delete=models.CASCADE, related_name="affiliations")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="affiliations")
    position = models.CharField(max_length=200, help_text=_("For example: founder and CEO."))
    position_zh = models.CharField(max_length=100, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["company", "delegate"]
        constraints = [
            models.UniqueConstraint(fields=["delegate", "company", "position"], name="affiliation_unique"),
            _ends_after_start("affiliation_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.delegate}, {self.position}, {self.company}"


class CompanyEvent(models.Model):
    """A dated, sourced event in a company's life, such as a listing on a sanctions list."""

    class Kind(models.TextChoices):
        SANCTION = "sanction", _("Sanction or listing")
        PARTNERSHIP = "partnership", _("Partnership")
        MILESTONE = "milestone", _("Milestone")
        OTHER = "other", _("Other")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="events")
    date = models.DateField()
    date_approximate = models.BooleanField(
        default=False, help_text=_("The source gives no exact day; the date is the earliest it can be.")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, max_length=5000)
    # PROTECT: an event must stay traceable to its citation.
    source = models.ForeignKey("proposals.Source", on_delete=models.PROTECT, related_name="company_events")
    quote = models.TextField(_("quote"), blank=True, max_length=5000)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["company", "date"], name="company_event_date_idx")]
        constraints = [models.CheckConstraint(condition=quote_span_ok(), name="company_event_quote_span")]

    def __str__(self):
        return f"{self.company}: {self.title} ({self.date:%Y-%m-%d})"

    def get_absolute_url(self):
        return f"{self.company.get_absolute_url()}#event-{self.pk}"
