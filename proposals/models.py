"""Bodies, sessions, themes, authorities, sources, proposals and their status timelines."""

import datetime
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import lifecycle
from .bilingual import BilingualMixin
from .lifecycle import HandlingRole, ReplyGrade, Status, Verdict


class Body(BilingualMixin, models.Model):
    class Kind(models.TextChoices):
        CONGRESS = "congress", _("People's congress")
        CONFERENCE = "conference", _("Political consultative conference")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    abbreviation = models.CharField(max_length=20, blank=True)
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
    def name(self):
        return self.localized("name")

    def allowed_kinds(self):
        """The kinds of proposal delegates of this body submit."""
        if self.kind == self.Kind.CONFERENCE:
            return {Proposal.Kind.CPPCC_PROPOSAL}
        return {Proposal.Kind.NPC_MOTION, Proposal.Kind.NPC_SUGGESTION}


class SessionQuerySet(models.QuerySet):
    def of_year(self, year):
        """The 'Two Sessions' of a year: the plenary sessions of every body that met that year."""
        return self.filter(year=year)


class Session(BilingualMixin, models.Model):
    # PROTECT: a session anchors its proposals' history; deleting one would orphan every timeline in it.
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="sessions")
    term = models.PositiveSmallIntegerField(help_text=_("The body's term, e.g. 13 for the 13th NPC."))
    number = models.PositiveSmallIntegerField(help_text=_("The session within the term, e.g. 3 for the 3rd Session."))
    year = models.PositiveSmallIntegerField(db_index=True)
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
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

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.localized("name")

    def get_absolute_url(self):
        return reverse("proposals:session_detail", kwargs={"slug": self.slug})


class Theme(BilingualMixin, models.Model):
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    description = models.TextField(blank=True)
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

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.localized("name")

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A theme cannot sit under itself or its own sub-themes.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def get_absolute_url(self):
        return reverse("proposals:theme_detail", kwargs={"slug": self.slug})


class Authority(BilingualMixin, models.Model):
    """A government department that handles proposals referred to it."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    abbreviation = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = _("authorities")

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.localized("name")

    def get_absolute_url(self):
        return reverse("proposals:authority_detail", kwargs={"slug": self.slug})


class Source(models.Model):
    """A citation that backs a status change, a proposal or a company event."""

    url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True)
    note = models.TextField(blank=True, help_text=_("For example, the sources this one cites in turn."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self):
        return f"{self.publisher}: {self.title}" if self.publisher else self.title

    def clean(self):
        if not self.url and not self.publisher:
            raise ValidationError(_("Give the source's address or at least its publisher."))


class ProposalQuerySet(models.QuerySet):
    def with_related(self):
        """What a list of proposals shows: session and body, sponsors, themes; a fixed number of queries."""
        return self.select_related("session__body").prefetch_related(
            models.Prefetch(
                "sponsorships", queryset=Sponsorship.objects.select_related("delegate").order_by("-is_lead", "order")
            ),
            "themes",
        )

    def overdue(self, today=None):
        return self.filter(reply_due_on__lt=today or timezone.localdate())

    def status_counts(self, *group_by):
        """Rows of {*group_by, "status", "count"}: how many proposals stand at each status, per group."""
        return (
            self.order_by().values(*group_by, "status").annotate(count=models.Count("pk", distinct=True))
            .order_by(*group_by, "status")
        )

    def ranked(self, text):
        """The proposals matching `text`, best first: a word in the title weighs more than one in the summary."""
        if connections[self.db].vendor == "postgresql":
            return self.search(text, ordered_by_rank=True)
        score = models.Value(0)
        for word in text.split():
            score = score + models.Case(
                models.When(Q(title_en__icontains=word) | Q(title_zh__icontains=word), then=models.Value(2)),
                default=models.Value(0),
            ) + models.Case(
                models.When(Q(summary__icontains=word) | Q(summary_zh__icontains=word), then=models.Value(1)),
                default=models.Value(0),
            )
        return self.search(text).annotate(relevance=score).order_by("-relevance", "-status_date", "-id")

    def search(self, text, *, ordered_by_rank=False):
        """Proposals whose titles or summaries, in either language, contain every word of `text`.

        On PostgreSQL, English words go through full-text search (stemmed, GIN-indexed) and Chinese words,
        which have no spaces between them, through substring matching on trigram-indexed columns. With
        `ordered_by_rank` the best matches come first (titles weigh more than summaries). Elsewhere every
        word is a case-insensitive substring match.
        """
        words = text.split()
        if not words:
            return self
        if connections[self.db].vendor == "postgresql":
            return self._search_postgresql(words, ordered_by_rank)
        queryset = self
        for word in words:
            queryset = queryset.filter(
                Q(title_en__icontains=word)
                | Q(title_zh__icontains=word)
                | Q(summary__icontains=word)
                | Q(summary_zh__icontains=word)
            )
        return queryset

    def _search_postgresql(self, words, ordered_by_rank):
        queryset = self
        chinese = [word for word in words if _CJK.search(word)]
        english = " ".join(word for word in words if not _CJK.search(word))
        query = None
        if english:
            query = SearchQuery(english, config="english", search_type="plain")
            queryset = queryset.alias(search_document=SearchDocument()).filter(search_document=query)
        for word in chinese:
            # LIKE on the bare columns, which the trigram indexes serve; Chinese has no case to fold.
            queryset = queryset.filter(Q(title_zh__contains=word) | Q(summary_zh__contains=word))
        if ordered_by_rank and query is not None:
            queryset = queryset.annotate(rank=SearchRank(SearchDocument(), query)).order_by(
                "-rank", "-status_date", "-id"
            )
        return queryset

    def filter_by(
        self, *, theme=None, status=None, session=None, body=None, kind=None, delegate=None, company=None, q=None,
        submitted_after=None, submitted_before=None, status_after=None, status_before=None,
        delegate_named=None, company_named=None,
    ):
        """The one filter entry point shared by the pages, the API, the feeds and the exports.

        Each argument is a model instance, a slug or a value (several allowed as a list); None means no filter.
        Date bounds are inclusive: `submitted_*` bound the date of a `submitted` event, `status_*` the date of
        the current status. `delegate_named` and `company_named` are what a reader typed: a slug selects that
        one delegate (or company), any other text those whose names, in either language or pinyin, contain it.
        """
        from people.models import Affiliation, Company, Delegate

        queryset = self
        if theme:
            # EXISTS rather than a join: no DISTINCT, so a keyset page over the (status_date, id) index stays cheap.
            # On theme ids, not slugs: each row's probe is then one look into the (proposal, theme) unique index,
            # where a slug joins the theme table per row (5 times the cost of a page at 100,000 proposals).
            queryset = queryset.filter(
                Exists(
                    Proposal.themes.through.objects.filter(proposal=OuterRef("pk"), theme_id__in=_pks(Theme, theme))
                )
            )
        if status:
            queryset = queryset.filter(status__in=_as_list(status))
        if session:
            queryset = queryset.filter(session__slug__in=_as_list(session, "slug"))
        if body:
            queryset = queryset.filter(session__body__slug__in=_as_list(body, "slug"))
        if kind:
            queryset = queryset.filter(kind__in=_as_list(kind))
        if delegate:
            queryset = queryset.filter(
                Exists(
                    Sponsorship.objects.filter(proposal=OuterRef("pk"), delegate__slug__in=_as_list(delegate, "slug"))
                )
            )
        if delegate_named:
            named = _named(Delegate, delegate_named, ("name_en", "name_zh", "name_pinyin", "other_names"))
            queryset = queryset.filter(
                Exists(Sponsorship.objects.filter(proposal=OuterRef("pk"), delegate__in=named.values("pk")))
            )
        if company_named:
            named = _named(Company, company_named, ("name_en", "name_zh"))
            employees = Affiliation.objects.filter(company__in=named.values("pk")).values("delegate")
            queryset = queryset.filter(
                Exists(Sponsorship.objects.filter(proposal=OuterRef("pk"), delegate__in=employees))
            )
        if company:
            employees = Affiliation.objects.filter(company__slug__in=_as_list(company, "slug")).values("delegate")
            queryset = queryset.filter(
                Exists(Sponsorship.objects.filter(proposal=OuterRef("pk"), delegate__in=employees))
            )
        if submitted_after or submitted_before:
            submissions = StatusEvent.objects.filter(proposal=OuterRef("pk"), status=Status.SUBMITTED)
            if submitted_after:
                submissions = submissions.filter(date__gte=submitted_after)
            if submitted_before:
                submissions = submissions.filter(date__lte=submitted_before)
            queryset = queryset.filter(Exists(submissions))
        if status_after:
            queryset = queryset.filter(status_date__gte=status_after)
        if status_before:
            queryset = queryset.filter(status_date__lte=status_before)
        if q:
            queryset = queryset.search(q)
        return queryset


# Han characters (and CJK punctuation): words written without spaces, matched as substrings.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class SearchDocument(models.Expression):
    """The proposal's English title (weight A) and summary (weight B) as a tsvector, on PostgreSQL only.

    It reads the column `search_document` that migration 0003 generates from those fields and indexes with
    GIN; the model does not declare it, because SQLite could not compute it.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(compiler.query.get_initial_alias())}.search_document", []


def _named(model, text, name_fields):
    """The rows of `model` a reader means by `text`: the one whose slug it is, else those whose names contain it.

    Links from delegate and company pages pass slugs; a typed name (any part, any of the name fields, any case)
    may match several people. The slug test is a subquery, so the whole choice stays one lazy SQL query.
    """
    text = text.strip()
    by_slug = Q(slug=text)
    by_name = Q()
    for field in name_fields:
        by_name |= Q(**{f"{field}__icontains": text})
    slug_taken = Exists(model.objects.filter(slug=text))
    return model.objects.filter(by_slug | (~slug_taken & by_name))


def _pks(model, value):
    """The primary keys of `value`'s instances and slugs; the slugs are looked up at once, in one small query.

    A list of ids lets the database plan an index lookup, where a subquery on slugs leaves it a join per row.
    """
    items = _as_list(value)
    pks = [item.pk for item in items if isinstance(item, model)]
    slugs = [item for item in items if not isinstance(item, model)]
    if slugs:
        pks += model.objects.filter(slug__in=slugs).values_list("pk", flat=True)
    return pks


def _as_list(value, attribute=None):
    values = value if isinstance(value, (list, tuple, set)) else [value]
    return [getattr(item, attribute) if attribute and hasattr(item, attribute) else item for item in values]


class Proposal(BilingualMixin, models.Model):
    class Kind(models.TextChoices):
        NPC_MOTION = "npc_motion", _("NPC motion (议案)")
        NPC_SUGGESTION = "npc_suggestion", _("NPC suggestion (建议)")
        CPPCC_PROPOSAL = "cppcc_proposal", _("CPPCC proposal (提案)")

    title_en = models.CharField(_("title (English)"), max_length=300)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300, blank=True)
    slug = models.SlugField(max_length=120, blank=True, help_text=_("Made from the English title when left empty."))
    summary = models.TextField(_("summary (English)"))
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    full_text = models.TextField(blank=True)
    kind = models.CharField(
        max_length=20, choices=Kind.choices, blank=True, help_text=_("Leave empty when the sources do not say.")
    )
    number = models.CharField(max_length=50, blank=True, help_text=_("The official serial number, if published."))
    # PROTECT: a session anchors its proposals' history (see Session.body).
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="proposals")
    sponsors = models.ManyToManyField("people.Delegate", through="Sponsorship", related_name="proposals")
    themes = models.ManyToManyField(Theme, related_name="proposals", blank=True)
    sources = models.ManyToManyField(Source, related_name="proposals", blank=True)
    related = models.ManyToManyField(
        "self", blank=True, help_text=_("The same idea submitted in other years or by other delegates.")
    )

    # The latest status event, kept here so lists filter and sort without reading the timeline.
    status = models.CharField(max_length=20, choices=Status.choices, blank=True, editable=False)
    status_date = models.DateField(null=True, blank=True, editable=False)
    reply_due_on = models.DateField(null=True, blank=True, editable=False)

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
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("proposals:proposal_detail", kwargs={"pk": self.pk, "slug": self.slug or "proposal"})

    def clean(self):
        if self.kind and self.session_id and self.kind not in self.session.body.allowed_kinds():
            raise ValidationError(
                {"kind": _("A %(kind)s cannot be submitted to %(body)s.") % {
                    "kind": self.get_kind_display(), "body": self.session.body}}
            )

    @property
    def lead_sponsor(self):
        for sponsorship in self.sponsorships.all():
            if sponsorship.is_lead:
                return sponsorship.delegate
        return None

    def is_overdue(self, today=None):
        return self.reply_due_on is not None and self.reply_due_on < (today or timezone.localdate())

    def refresh_status(self):
        """Copy the latest event's status and date, and the reply deadline, onto the proposal."""
        events = list(self.status_events.all())
        latest = max(events, key=lifecycle.timeline_order, default=None)
        self.status = latest.status if latest else ""
        self.status_date = latest.date if latest else None
        self.reply_due_on = lifecycle.reply_due(events)
        self.updated_at = timezone.now()
        Proposal.objects.filter(pk=self.pk).update(
            status=self.status, status_date=self.status_date, reply_due_on=self.reply_due_on,
            updated_at=self.updated_at,
        )


class Sponsorship(models.Model):
    """A delegate who submitted a proposal: one leads (领衔), the others co-sign."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="sponsorships")
    # PROTECT: removing a delegate must not silently strip proposals of their sponsors.
    delegate = models.ForeignKey("people.Delegate", on_delete=models.PROTECT, related_name="sponsorships")
    is_lead = models.BooleanField(_("lead sponsor"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

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


class StatusEventQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-date", "-id")

    def outstanding_referrals(self):
        """Referrals to an authority that owes a reply and has not given one since."""
        later_reply = StatusEvent.objects.filter(
            proposal=OuterRef("proposal"), status=Status.REPLIED, authority=OuterRef("authority"),
            date__gte=OuterRef("date"),
        )
        concluded = StatusEvent.objects.filter(
            proposal=OuterRef("proposal"), status__in=[Status.CLOSED, Status.WITHDRAWN], date__gte=OuterRef("date")
        )
        return self.filter(
            status=Status.REFERRED, handling_role__in=[HandlingRole.LEAD, HandlingRole.SEPARATE]
        ).exclude(Exists(later_reply)).exclude(Exists(concluded))

    def overdue(self, today=None):
        """Outstanding referrals whose three months for a reply have run out."""
        cutoff = lifecycle.add_months(today or timezone.localdate(), -lifecycle.REPLY_DUE_MONTHS)
        return self.outstanding_referrals().filter(date__lt=cutoff)


class StatusEvent(models.Model):
    """One dated step in a proposal's timeline, backed by a source."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_events")
    date = models.DateField()
    date_approximate = models.BooleanField(
        default=False, help_text=_("The source gives no exact day; the date is the earliest the step can have.")
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatusEventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["proposal", "date", "id"], name="event_timeline_idx"),
            models.Index(fields=["date", "id"], name="event_date_idx"),
            models.Index(fields=["updated_at", "id"], name="event_updated_idx"),
            models.Index(fields=["authority", "status"], name="event_authority_idx"),
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
    def status_chinese(self):
        return lifecycle.STATUS_CHINESE[Status(self.status)]

    def reply_due(self):
        if self.status == Status.REFERRED:
            return lifecycle.add_months(self.date, lifecycle.REPLY_DUE_MONTHS)
        if self.status == Status.REHANDLING:
            return lifecycle.add_months(self.date, lifecycle.REHANDLING_DUE_MONTHS)
        return None

