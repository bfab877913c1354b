"""Bodies, sessions, themes, authorities, sources, proposals and their status timelines."""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import lifecycle
from .bilingual import BilingualMixin, NamedRecord, chinese_number
from .lifecycle import HandlingRole, ReplyGrade, Status, Verdict
from .meaning.chinese import index_words
from .querysets import ProposalQuerySet, StatusEventQuerySet


class Body(NamedRecord):
    class Kind(models.TextChoices):
        CONGRESS = "congress", _("People's congress")
        CONFERENCE = "conference", _("Political consultative conference")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")

    abbreviation = models.CharField(max_length=20, blank=True)
    abbreviation_zh = models.CharField(_("abbreviation (Chinese)"), max_length=20, blank=True,
                                       help_text=_("The short Chinese name, e.g. 全国人大 or 全国政协."))
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.NATIONAL)
    region = models.CharField(max_length=100, blank=True, help_text=_("Province or city, for local bodies."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "name_en"]
        verbose_name_plural = _("bodies")

    def __str__(self):
        return self.abbreviation or self.name_en

    @property
    def short_name(self):
        """The body as readers name it in short, in their language: NPC, 全国人大."""
        return self.localized("abbreviation") or self.name

    @property
    def abbreviation_en(self):
        return self.abbreviation

    def allowed_kinds(self):
        """The kinds of proposal delegates of this body submit."""
        if self.kind == self.Kind.CONFERENCE:
            return {Proposal.Kind.CPPCC_PROPOSAL}
        return {Proposal.Kind.NPC_MOTION, Proposal.Kind.NPC_SUGGESTION}


class SessionQuerySet(models.QuerySet):
    def of_year(self, year):
        """The 'Two Sessions' of a year: the plenary sessions of every body that met that year."""
        return self.filter(year=year)


class Session(NamedRecord):
    # PROTECT: a session anchors its proposals' history; deleting one would orphan every timeline in it.
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="sessions")
    term = models.PositiveSmallIntegerField(help_text=_("The body's term, e.g. 13 for the 13th NPC."))
    number = models.PositiveSmallIntegerField(help_text=_("The session within the term, e.g. 3 for the 3rd Session."))
    year = models.PositiveSmallIntegerField(db_index=True)
    slug = models.SlugField(unique=True, blank=True, help_text=_("Made from the body and year (npc-2021) when left "
                                                                 "empty, as the CSV files name sessions."))
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    objects = SessionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_on", "body__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["body", "term", "number"], name="session_unique_in_term"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="session_closes_after_opening",
                violation_error_message=_("A session cannot close before it opens."),
            ),
        ]

    def clean(self):
        if not self.slug and self.body_id and self.year:
            self.slug = self.default_slug()
        if not self.name_zh and self.body_id and self.term and self.number:
            self.name_zh = self.default_name_zh()

    def default_name_zh(self):
        """The official Chinese name: 第十三届全国人民代表大会第三次会议; the CPPCC puts its term inside its
        name: 中国人民政治协商会议第十三届全国委员会第三次会议. Empty when the body has no Chinese name."""
        name, term, number = self.body.name_zh, chinese_number(self.term), chinese_number(self.number)
        if not name:
            return ""
        if self.body.kind == Body.Kind.CONFERENCE and name.endswith("委员会"):
            committee = "全国委员会" if name.endswith("全国委员会") else "委员会"
            return f"{name[:-len(committee)]}第{term}届{committee}第{number}次会议"
        return f"第{term}届{name}第{number}次会议"

    def default_slug(self):
        """`npc-2021`; a second session of one body in one year gets `npc-2021-2`, and so on."""
        base = f"{self.body.slug}-{self.year}"
        taken = set(Session.objects.filter(slug__startswith=base).exclude(pk=self.pk).values_list("slug", flat=True))
        candidates = [base, *(f"{base}-{number}" for number in range(2, len(taken) + 3))]
        return next(candidate for candidate in candidates if candidate not in taken)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.default_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("proposals:session_detail", kwargs={"slug": self.slug})


class Theme(NamedRecord):
    description = models.TextField(blank=True, max_length=5000)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="theme_not_own_parent",
                violation_error_message=_("A theme cannot be its own parent."),
            ),
        ]

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A theme cannot sit under itself or its own sub-themes.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def get_absolute_url(self):
        return reverse("proposals:theme_detail", kwargs={"slug": self.slug})


class Authority(NamedRecord):
    """A government department that handles proposals referred to it."""

    abbreviation = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = _("authorities")

    def get_absolute_url(self):
        return reverse("proposals:authority_detail", kwargs={"slug": self.slug})


class Source(models.Model):
    """A citation that backs a status change, a proposal or a company event."""

    url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True, max_length=5000)
    note = models.TextField(
        blank=True, max_length=5000, help_text=_("For example, the sources this one cites in turn.")
    )
    # The report's full text, as taken in: every quote of its events is text[quote_start:quote_end].
    text = models.TextField(_("full text"), blank=True, max_length=600_000)
    text_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["text"])

    class Meta:
        ordering = ["-published_on", "title"]

    @staticmethod
    def hash_of(text):
        """What `text_hash` holds for a text: how a report already taken in is recognised (proposals/intake)."""
        return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""

    def save(self, *args, **kwargs):
        self.text_hash = self.hash_of(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("proposals:source_text", kwargs={"pk": self.pk})

    def __str__(self):
        # The title first: editors pick a source by what it is called, and many share a publisher.
        return f"{self.title} — {self.publisher}" if self.publisher else self.title

    def clean(self):
        if not self.url and not self.publisher:
            raise ValidationError(_("Give the source's address or at least its publisher."))


class Proposal(BilingualMixin, models.Model):
    class Kind(models.TextChoices):
        NPC_MOTION = "npc_motion", _("NPC motion (议案)")
        NPC_SUGGESTION = "npc_suggestion", _("NPC suggestion (建议)")
        CPPCC_PROPOSAL = "cppcc_proposal", _("CPPCC proposal (提案)")

    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    slug = models.SlugField(max_length=120, blank=True, help_text=_("Made from the English title when left empty."))
    summary_en = models.TextField(_("summary (English)"), max_length=5000)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True, max_length=5000)
    summary_zh_translated = models.BooleanField(
        _("Chinese summary is a translation"), default=False,
        help_text=_("Tick when the Chinese summary is our translation of the English one rather than the "
                    "source's own words; readers see it marked as a translation."))
    full_text = models.TextField(blank=True, max_length=100_000)
    # The Chinese title and summary cut into words (chinese.index_words), space-separated, for full-text
    # search: PostgreSQL has no Chinese parser, so it indexes these words (migration 0014).
    search_zh = models.TextField(_("Chinese words for search"), blank=True, editable=False)
    kind = models.CharField(
        max_length=20, choices=Kind.choices, blank=True, help_text=_("Leave empty when the sources do not say.")
    )
    number = models.CharField(max_length=50, blank=True, help_text=_("The official serial number, if published."))
    # PROTECT: a session anchors its proposals' history (see Session.body).
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="proposals")
    sponsors = models.ManyToManyField("people.Delegate", through="Sponsorship", related_name="proposals")
    themes = models.ManyToManyField(Theme, related_name="proposals", blank=True)
    sources = models.ManyToManyField(Source, through="ProposalSource", related_name="proposals", blank=True)
    related = models.ManyToManyField(
        "self", blank=True, help_text=_("The same idea submitted in other years or by other delegates.")
    )

    # The latest status event, kept here so lists filter and sort without reading the timeline.
    status = models.CharField(max_length=20, choices=Status.choices, blank=True, editable=False)
    status_date = models.DateField(null=True, blank=True, editable=False)
    reply_due_on = models.DateField(null=True, blank=True, editable=False)

    # A draft is seen by editors only: readers, feeds, the public API and the export see published proposals.
    # Publishing is an explicit act (services.publish), recorded in the history with who did it.
    published = models.BooleanField(_("published"), default=False, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[themes])

    class Meta:
        ordering = ["-status_date", "-id"]
        indexes = [
            models.Index(fields=["status_date", "id"], name="proposal_status_date_idx"),
            # The API's status-date walk (proposals/api/pagination.py): an undated proposal sorts as the earliest
            # date, so one range scan crosses from dated to undated rows; status_date is a key column as well,
            # so that a filtered walk (a theme's proposals) reads the index alone.
            models.Index(
                Coalesce("status_date", models.Value(datetime.date.min)), "id", "status_date",
                name="proposal_status_walk_idx",
            ),
            models.Index(fields=["status", "status_date"], name="proposal_status_idx"),
            models.Index(fields=["session", "status"], name="proposal_session_status_idx"),
            models.Index(fields=["updated_at", "id"], name="proposal_updated_idx"),
            models.Index(fields=["reply_due_on"], name="proposal_reply_due_idx"),
            models.Index(fields=["kind"], name="proposal_kind_idx"),
            models.Index(fields=["title_en"], name="proposal_title_idx"),
        ]

    def __str__(self):
        return self.title_en

    @property
    def title(self):
        return self.localized("title")

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title_en)[:120].strip("-") or "proposal"
        fields = kwargs.get("update_fields")
        if fields is None or {"title_zh", "summary_zh"} & set(fields):
            self.search_zh = self.segmented_chinese()
            if fields is not None:
                kwargs["update_fields"] = [*fields, "search_zh"]
        super().save(*args, **kwargs)

    def segmented_chinese(self):
        """What `search_zh` holds: the words of the Chinese title and summary."""
        return index_words(f"{self.title_zh or ''}\n{self.summary_zh or ''}")

    def get_absolute_url(self):
        return reverse("proposals:proposal_detail", kwargs={"pk": self.pk, "slug": self.slug or "proposal"})

    def clean(self):
        if self.kind and self.session_id and self.kind not in self.session.body.allowed_kinds():
            raise ValidationError(
                {"kind": _("A %(kind)s cannot be submitted to %(body)s.") % {
                    "kind": self.get_kind_display(), "body": self.session.body}}
            )
        if self.summary_zh_translated and not self.summary_zh.strip():
            raise ValidationError({"summary_zh_translated": _(
                "There is no Chinese summary to mark as a translation.")})

    def check_related(self, proposals):
        """Refuse a list of related proposals that names this proposal itself."""
        if self.pk is not None and any(other.pk == self.pk for other in proposals):
            raise ValidationError(_("A proposal cannot be related to itself."), code="related_to_itself")

    @property
    def lead_sponsor(self):
        for sponsorship in self.sponsorships.all():
            if sponsorship.is_lead:
                return sponsorship.delegate
        return None

    def is_overdue(self, today=None):
        return lifecycle.is_overdue(self.reply_due_on, today or timezone.localdate())

    def refresh_status(self):
        """Store what the lifecycle decides from the timeline as it now stands.

        On each event: the reply it opens (due date, the authority owing it) and the later event that settled
        it; on the proposal: the latest event's status and date, and the earliest reply still owed. Readers
        (pages, API, export, admin, feeds) read these stored fields and never work deadlines out themselves.
        """
        # What readers see: the published steps only. A draft step neither moves the status nor settles a debt.
        events = list(self.status_events.all())
        public = [event for event in events if event.published]
        StatusEvent.store_reply_debts(events, public)
        latest = max(public, key=lifecycle.timeline_order, default=None)
        before = (self.status, self.status_date, self.reply_due_on)
        self.status = latest.status if latest else ""
        self.status_date = latest.date if latest else None
        self.reply_due_on = lifecycle.reply_due(lifecycle.reply_debts(public))
        if (self.status, self.status_date, self.reply_due_on) != before:
            # A new status is a change of the proposal: saved, so its edit history records it and who made it.
            self.save(update_fields=["status", "status_date", "reply_due_on", "updated_at"])
        else:
            # The timeline changed all the same: clients syncing on updated_at must see it.
            self.updated_at = timezone.now()
            Proposal.objects.filter(pk=self.pk).update(updated_at=self.updated_at)


class ProposalSource(models.Model):
    """A source that reports the proposal itself (its status events cite sources of their own)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE)
    # PROTECT: a proposal must stay traceable to the reports it comes from.
    source = models.ForeignKey(Source, on_delete=models.PROTECT)

    history = HistoricalRecords()

    class Meta:
        db_table = "proposals_proposal_sources"  # the table the implicit many-to-many link used
        unique_together = [("proposal", "source")]
        verbose_name = _("source of the proposal")
        verbose_name_plural = _("sources of the proposal")

    def __str__(self):
        return str(self.source)


class ThemeWalk(models.Model):
    """One of a proposal's themes with the proposal's status date beside it: what a theme's list walks.

    A theme's proposals by last status change took PostgreSQL ~1,000 probes per page at 100,000 proposals (it
    walked every proposal by date and asked each whether it has the theme); this index gives them in order. Rows
    and dates are kept by database triggers (proposals/theme_walk.py) on the theme links and on the proposal's
    status date, so every write, a bulk or a raw one included, keeps them exact; nothing in Python writes them.
    """

    link_id = models.BigIntegerField(primary_key=True)  # the theme link's id (Proposal.themes.through)
    proposal = models.ForeignKey(Proposal, on_delete=models.DO_NOTHING, related_name="theme_walks",
                                 db_constraint=False)
    theme = models.ForeignKey(Theme, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                              db_index=False)  # theme_walk_idx leads with it
    status_date = models.DateField(null=True)

    # Written by the triggers, within the write that moved the data version.
    records_a_write = True

    def __str__(self):
        return f"{self.theme_id}: {self.proposal_id} ({self.status_date})"

    class Meta:
        indexes = [
            # As the status-date walk of all proposals: COALESCE(status_date, the earliest date), then the id.
            models.Index("theme", Coalesce("status_date", models.Value(datetime.date.min)), "proposal",
                         name="theme_walk_idx"),
        ]


class Sponsorship(models.Model):
    """A delegate who submitted a proposal: one leads (领衔), the others co-sign."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="sponsorships")
    # PROTECT: removing a delegate must not silently strip proposals of their sponsors.
    delegate = models.ForeignKey("people.Delegate", on_delete=models.PROTECT, related_name="sponsorships")
    is_lead = models.BooleanField(_("lead sponsor"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    seat_exception = models.CharField(
        _("seat exception"), max_length=300, blank=True,
        help_text=_("Why this sponsor is listed although the tracker records no seat of theirs in the session's "
                    "body and term (e.g. a membership not yet entered)."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_lead", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "delegate"], name="sponsor_once_per_proposal"),
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(is_lead=True), name="one_lead_sponsor",
                violation_error_message=_("A proposal has one lead sponsor."),
            ),
        ]

    def __str__(self):
        return f"{self.delegate} ({_('lead') if self.is_lead else _('co-sponsor')})"


def quote_span_ok():
    """A quote's offsets come as a pair, end after start."""
    return (Q(quote_start__isnull=True, quote_end__isnull=True)
            | Q(quote_start__isnull=False, quote_end__isnull=False, quote_end__gt=F("quote_start")))


class StatusEvent(models.Model):
    """One dated step in a proposal's timeline, backed by a source."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_events")
    date = models.DateField()
    date_approximate = models.BooleanField(
        default=False, help_text=_("The source gives no exact day; the date is the earliest the step can have.")
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True, max_length=5000)
    # PROTECT: a status claim must stay traceable to its citation.
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="status_events")
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, null=True, blank=True, related_name="status_events",
        help_text=_("For a referral, the authority it went to; for a reply, the authority that replied."),
    )
    handling_role = models.CharField(max_length=10, choices=HandlingRole.choices, blank=True)
    reply_grade = models.CharField(max_length=1, choices=ReplyGrade.choices, blank=True)
    reply_url = models.URLField(_("reply text"), max_length=500, blank=True)
    reply_public = models.BooleanField(_("reply text public"), null=True, blank=True)
    verdict = models.CharField(_("proposer's verdict"), max_length=20, choices=Verdict.choices, blank=True)
    adopted_in = models.CharField(
        _("adopted in"), max_length=300, blank=True, help_text=_("The law, plan or policy document.")
    )
    published = models.BooleanField(
        _("published"), default=True,
        help_text=_("Untick to keep this step as a draft: readers see neither it nor what it changes."),
    )
    # The source's own words for this step, and where they stand in its full text (Source.text).
    quote = models.TextField(_("quote"), blank=True, max_length=5000)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    # What the lifecycle decides about the reply this event opens (lifecycle.reply_debts), stored when the
    # timeline is saved: when it is due, which authority owes it, and the later event that settled it.
    reply_due_on = models.DateField(_("reply due on"), null=True, blank=True, editable=False)
    reply_owed_by = models.ForeignKey(
        Authority, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="reply_debts",
        verbose_name=_("reply owed by"),
    )
    reply_settled_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="settled_debts",
        verbose_name=_("reply settled by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatusEventQuerySet.as_manager()
    # The reply fields are derived from the timeline, not edited: their history is the events' own.
    history = HistoricalRecords(excluded_fields=["reply_due_on", "reply_owed_by", "reply_settled_by"])

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["proposal", "date", "id"], name="event_timeline_idx"),
            models.Index(fields=["date", "id"], name="event_date_idx"),
            models.Index(fields=["updated_at", "id"], name="event_updated_idx"),
            models.Index(fields=["authority", "status"], name="event_authority_idx"),
            # Replies still owed, for the overdue lists: a small partial index, as most debts get settled.
            models.Index(
                fields=["reply_due_on"], condition=Q(reply_due_on__isnull=False, reply_settled_by__isnull=True),
                name="event_reply_owed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(reply_grade="") | Q(status=Status.REPLIED), name="grade_only_on_reply"
            ),
            models.CheckConstraint(
                condition=Q(verdict="") | Q(status=Status.FEEDBACK), name="verdict_only_on_feedback"
            ),
            models.CheckConstraint(
                condition=Q(handling_role="") | Q(status=Status.REFERRED), name="role_only_on_referral"
            ),
            models.CheckConstraint(condition=quote_span_ok(), name="event_quote_span"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} on {self.date:%Y-%m-%d}"

    def get_absolute_url(self):
        return f"{self.proposal.get_absolute_url()}#event-{self.pk}"

    def clean(self):
        errors = lifecycle.check_event_fields(self)
        if errors:
            raise ValidationError(errors)

    @property
    def reply_owed(self):
        """This event opened a reply debt that nothing has settled yet."""
        return self.reply_due_on is not None and self.reply_settled_by_id is None

    def is_overdue(self, today=None):
        return self.reply_owed and lifecycle.is_overdue(self.reply_due_on, today or timezone.localdate())

    @staticmethod
    def store_reply_debts(events, counted):
        """Write each event's reply fields as lifecycle.reply_debts(counted) decides them (events outside
        `counted`, the drafts, get none); only changed rows are written."""
        debts = {debt.opened_by.pk: debt for debt in lifecycle.reply_debts(counted)}
        for event in events:
            debt = debts.get(event.pk)
            wanted = {
                "reply_due_on": debt.due_on if debt else None,
                "reply_owed_by_id": debt.owed_by_id if debt else None,
                "reply_settled_by_id": debt.settled_by.pk if debt and debt.settled_by else None,
            }
            if any(getattr(event, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(event, name, value)
                # What the API shows of the event changed: its updated_at moves, so event mirrors fetch it again.
                event.updated_at = timezone.now()
                StatusEvent.objects.filter(pk=event.pk).update(**wanted, updated_at=event.updated_at)



class Deletion(models.Model):
    """A record that left the public view: deleted, or taken back to draft. Clients' mirrors sync it away.

    Rows come from the edit history (`proposals.deletions`: a '-' history record of any resource the API
    shows) and from unpublishing; republishing removes the row again, so the feed lists what is gone now.
    """

    class Reason(models.TextChoices):
        DELETED = "deleted", _("deleted")
        UNPUBLISHED = "unpublished", _("taken back to draft")

    # The API's resource name: proposal, statusevent, session, body, theme, authority, source, delegate, company.
    type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    slug = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.DELETED)
    deleted_at = models.DateTimeField(default=timezone.now)

    # Written by the deletion or unpublishing it records, which already moved the data version.
    records_a_write = True

    class Meta:
        ordering = ["deleted_at", "id"]
        indexes = [
            models.Index(fields=["deleted_at", "id"], name="deletion_walk_idx"),
            models.Index(fields=["type", "object_id"], name="deletion_object_idx"),
            # A list's Last-Modified: its type's latest deletion (proposals.deletions.latest_change).
            models.Index(fields=["type", "deleted_at"], name="deletion_latest_idx"),
        ]

    def __str__(self):
        return f"{self.type} {self.object_id} {self.reason} at {self.deleted_at:%Y-%m-%d %H:%M}"
