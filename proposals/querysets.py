"""Queries over proposals and status events: the one place the pages, the API, the feeds and exports filter."""

import datetime
import difflib
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .lifecycle import Status
from .meaning.chinese import plain_pinyin, query_words, simplified


class ProposalQuerySet(models.QuerySet):
    def published(self):
        """What readers, feeds, the public API and the export may show: no drafts."""
        return self.filter(published=True)

    def with_related(self):
        """What a list of proposals shows: session and body, sponsors, themes; a fixed number of queries."""
        from .models import Sponsorship

        return self.select_related("session__body").prefetch_related(
            models.Prefetch(
                "sponsorships", queryset=Sponsorship.objects.select_related("delegate").order_by("-is_lead", "order")
            ),
            "themes",
        )

    def overdue(self, today=None):
        return self.filter(reply_due_on__lt=today or timezone.localdate())

    def likely_duplicates(self, *, session, lead, title_en="", title_zh="", exclude_pk=None):
        """[(proposal, similarity)] of proposals of the same session and lead sponsor whose title, in either
        language, reads like the one given (best first): probably the same proposal entered twice.

        Titles are compared as lower-case letters and digits only, by difflib's ratio (1.0: the same);
        Chinese titles character by character. The candidates are one delegate's proposals in one session:
        a handful, so comparing them in Python costs nothing.
        """
        if session is None or lead is None:
            return []
        candidates = self.filter(session=session, sponsorships__delegate=lead, sponsorships__is_lead=True)
        if exclude_pk is not None:
            candidates = candidates.exclude(pk=exclude_pk)
        found = []
        for other in candidates.only("id", "title_en", "title_zh", "slug", "session_id", "published"):
            score = max(_title_similarity(title_en, other.title_en), _title_similarity(title_zh, other.title_zh))
            if score >= DUPLICATE_SIMILARITY:
                found.append((other, round(score, 2)))
        return sorted(found, key=lambda pair: -pair[1])

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
        for word in simplified(text).split():
            score = score + models.Case(
                models.When(Q(title_en__icontains=word) | Q(title_zh__icontains=word), then=models.Value(2)),
                default=models.Value(0),
            ) + models.Case(
                models.When(Q(summary_en__icontains=word) | Q(summary_zh__icontains=word), then=models.Value(1)),
                default=models.Value(0),
            )
        return self.search(text).annotate(relevance=score).order_by("-relevance", "-status_date", "-id")

    def search(self, text, *, ordered_by_rank=False):
        """Proposals whose titles or summaries, in either language, contain every word of `text`.

        Traditional characters are read as simplified (OpenCC). A Chinese word, written without spaces, matches
        where it appears as it is or where all the words jieba cuts it into do (卫星互联网建设 finds “建设卫星
        互联网”). On PostgreSQL, English words go through full-text search (stemmed, GIN-indexed), Chinese ones
        through the app-segmented words (`search_zh`, GIN-indexed) or trigram-indexed substrings; with
        `ordered_by_rank` the best matches come first (titles weigh more than summaries). Elsewhere every word
        is a case-insensitive substring match.
        """
        words = [simplified(word) for word in text.split()]
        if not words:
            return self
        if connections[self.db].vendor == "postgresql":
            return self._search_postgresql(words, ordered_by_rank)
        queryset = self
        for word in words:
            queryset = queryset.filter(_contains(word) | _all_contained(query_words(word) if _CJK.search(word) else []))
        return queryset

    def _search_postgresql(self, words, ordered_by_rank):
        queryset = self
        chinese = [word for word in words if _CJK.search(word)]
        english = " ".join(word for word in words if not _CJK.search(word))
        query = chinese_query = None
        if english:
            query = SearchQuery(english, config="english", search_type="plain")
            queryset = queryset.alias(search_document=SearchDocument()).filter(search_document=query)
        if chinese:
            queryset = queryset.alias(search_document_zh=SearchDocument("search_document_zh"))
        for word in chinese:
            # LIKE on the bare columns, which the trigram indexes serve (Chinese has no case to fold), or all
            # of the word's segments in the segmented document, which its GIN index serves.
            matched = Q(title_zh__contains=word) | Q(summary_zh__contains=word)
            segments = query_words(word)
            if segments:
                segmented = SearchQuery(" ".join(segments), config="simple", search_type="plain")
                matched |= Q(search_document_zh=segmented)
                chinese_query = segmented if chinese_query is None else chinese_query & segmented
            queryset = queryset.filter(matched)
        if ordered_by_rank and (query is not None or chinese_query is not None):
            rank = models.Value(0.0)
            if query is not None:
                rank = rank + SearchRank(SearchDocument(), query)
            if chinese_query is not None:
                rank = rank + SearchRank(SearchDocument("search_document_zh"), chinese_query)
            queryset = queryset.annotate(rank=rank).order_by("-rank", "-status_date", "-id")
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

        from .models import Sponsorship, StatusEvent, Theme

        queryset = self
        if theme:
            theme_ids = _pks(Theme, theme)
            if len(theme_ids) == 1:
                # One theme: a join to its walk rows (at most one per proposal), which also bring the proposal's
                # status date beside the theme in their index. A keyset walk by status date then reads the page's
                # rows in order (`status_date_walk`, tracker/api/pagination.py), where EXISTS probed every proposal
                # by date for the theme, ~1,000 probes a page at 100,000 proposals.
                queryset = queryset.filter(theme_walks__theme_id=theme_ids[0]).alias(status_date_walk=Coalesce(
                    F("theme_walks__status_date"), models.Value(datetime.date.min)))
            else:
                # Several: EXISTS rather than a join, so no DISTINCT; each probe is one look into the (proposal,
                # theme) unique index, on ids rather than slugs (a slug would join the theme table per row).
                queryset = queryset.filter(
                    Exists(self.model.themes.through.objects.filter(proposal=OuterRef("pk"), theme_id__in=theme_ids))
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
            named = _named(Delegate, delegate_named, NAME_FIELDS["delegate"])
            queryset = queryset.filter(
                Exists(Sponsorship.objects.filter(proposal=OuterRef("pk"), delegate__in=named.values("pk")))
            )
        if company_named:
            named = _named(Company, company_named, NAME_FIELDS["company"])
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


# Titles this alike (difflib ratio) in one session by one lead sponsor are probably the same proposal.
DUPLICATE_SIMILARITY = 0.75


def _title_similarity(first, second):
    first, second = _comparable(first), _comparable(second)
    if not first or not second:
        return 0.0
    return difflib.SequenceMatcher(None, first, second).ratio()


def _comparable(title):
    return "".join(character for character in (title or "").lower() if character.isalnum())


# Han characters (and CJK punctuation): words written without spaces, matched as substrings.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class SearchDocument(models.Expression):
    """A generated tsvector column of the proposal, on PostgreSQL only: by default `search_document`, the English
    title (weight A) and summary (weight B) that migration 0003 generates; `search_document_zh`, the words of
    `search_zh`, from migration 0014. Both are GIN-indexed; the model declares neither, because SQLite could
    not compute them.
    """

    output_field = SearchVectorField()

    def __init__(self, column="search_document"):
        super().__init__()
        self.column = column

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(compiler.query.get_initial_alias())}.{self.column}", []


def _contains(word):
    return (Q(title_en__icontains=word) | Q(title_zh__icontains=word) | Q(summary_en__icontains=word)
            | Q(summary_zh__icontains=word))


def _all_contained(words):
    """Each of `words` somewhere in the titles or summaries; no words: matches nothing."""
    if not words:
        return Q(pk__in=[])
    condition = Q()
    for word in words:
        condition &= _contains(word)
    return condition


# The fields a reader's typed name is looked for in, per model (any language, pinyin, other spellings).
NAME_FIELDS = {"delegate": ("name_en", "name_zh", "name_pinyin", "other_names"), "company": ("name_en", "name_zh")}


def named(model, text):
    """Delegates or companies a reader means by `text` (a slug, or part of a name in any language or pinyin)."""
    return _named(model, text, NAME_FIELDS[model._meta.model_name])


def _named(model, text, name_fields):
    """The rows of `model` a reader means by `text`: the one whose slug it is, else those whose names contain it.

    Links from delegate and company pages pass slugs; a typed name (any part, any of the name fields, any case,
    traditional or simplified characters, pinyin with or without tones or spaces: "Léi Jūn", "lei jun",
    "leijun") may match several people. The slug test is a subquery, so the whole choice stays one lazy query.
    """
    text = text.strip()
    by_slug = Q(slug=text)
    by_name = Q()
    for field in name_fields:
        by_name |= Q(**{f"{field}__icontains": text})
    if simplified(text) != text:
        by_name |= Q(name_zh__icontains=simplified(text))
    typed_pinyin = plain_pinyin(text)
    if len(typed_pinyin) >= 2 and not _CJK.search(text) and any(f.name == "pinyin_key" for f in model._meta.fields):
        by_name |= Q(pinyin_key__contains=typed_pinyin)
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


class StatusEventQuerySet(models.QuerySet):
    def published(self):
        """Published steps of published proposals: what readers may see."""
        return self.filter(published=True, proposal__published=True)

    def latest_first(self):
        return self.order_by("-date", "-id")

    def owing_reply(self):
        """Events that opened a reply debt which no later event settled (see lifecycle.reply_debts)."""
        return self.filter(reply_due_on__isnull=False, reply_settled_by__isnull=True)

    def overdue(self, today=None):
        """Replies still owed whose deadline has passed."""
        return self.owing_reply().filter(reply_due_on__lt=today or timezone.localdate())
