"""The proposal and status-event representations, built from `values()` rows as plain dicts.

Lists are the API's hot path (PERFORMANCE.md): one query per page on PostgreSQL, where themes and
sponsors come as correlated ARRAY(subquery) columns evaluated only for the rows on the page. Other
databases get the same dicts from a second and third query batched over the page's ids.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from proposals import lifecycle
from proposals.models import Proposal, Sponsorship, StatusEvent
from tracker.caching import proposal_pieces

from . import embedding

PROPOSAL_FIELDS = (
    "id", "slug", "title_en", "title_zh", "summary_en", "summary_zh", "kind", "number", "status", "status_date",
    "reply_due_on", "created_at", "updated_at", "session__slug", "session_id",
)
EVENT_FIELDS = (
    "id", "proposal_id", "date", "date_approximate", "status", "note", "source_id", "authority__slug",
    "handling_role", "reply_grade", "reply_url", "reply_public", "verdict", "adopted_in", "reply_due_on",
    "reply_owed_by__slug", "reply_settled_by_id", "created_at", "updated_at",
)
ThemeLink = Proposal.themes.through


def _array_columns():
    themes = ThemeLink.objects.filter(proposal=OuterRef("pk")).order_by("theme__slug").values("theme__slug")
    sponsors = (
        Sponsorship.objects.filter(proposal=OuterRef("pk")).order_by("-is_lead", "order", "id").values("delegate__slug")
    )
    lead = Sponsorship.objects.filter(proposal=OuterRef("pk"), is_lead=True).values("delegate__slug")[:1]
    return {"theme_slugs": ArraySubquery(themes), "sponsor_slugs": ArraySubquery(sponsors), "lead_slug": Subquery(lead)}


def has_array_columns(queryset):
    """Whether the database this queryset reads from evaluates ARRAY(subquery) columns (PostgreSQL does).

    Asked of the queryset's own database, not the default one: a queryset `.using()` another alias, or
    sent to a replica by a router, is compiled for that database.
    """
    return connections[queryset.db].vendor == "postgresql"


def proposal_values(queryset):
    """The queryset as rows for `proposal_page_fetcher`, with the array columns where the database has them."""
    if has_array_columns(queryset):
        return queryset.values(*PROPOSAL_FIELDS, **_array_columns())
    return queryset.values(*PROPOSAL_FIELDS)


def _attach_relations(rows, using):
    """The portable path: themes and sponsors of the page's proposals, two queries for the whole page."""
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        row["theme_slugs"], row["sponsor_slugs"], row["lead_slug"] = [], [], None
    if not by_id:
        return
    links = ThemeLink.objects.using(using).filter(proposal_id__in=by_id).order_by("theme__slug")
    for proposal_id, slug in links.values_list("proposal_id", "theme__slug"):
        by_id[proposal_id]["theme_slugs"].append(slug)
    sponsorships = Sponsorship.objects.using(using).filter(proposal_id__in=by_id).order_by("-is_lead", "order", "id")
    for proposal_id, slug, is_lead in sponsorships.values_list("proposal_id", "delegate__slug", "is_lead"):
        by_id[proposal_id]["sponsor_slugs"].append(slug)
        if is_lead:
            by_id[proposal_id]["lead_slug"] = slug


def proposal_rows(sliced_values):
    """The rows of a sliced `proposal_values()` queryset, each with its theme and sponsor slugs."""
    rows = list(sliced_values)
    if rows and "theme_slugs" not in rows[0]:
        _attach_relations(rows, using=sliced_values.db)
    return rows


def proposal_dict(row, links, today):
    due = row["reply_due_on"]
    return {
        "url": links.of("proposal", row["id"]),
        "id": row["id"],
        "slug": row["slug"],
        "title_en": row["title_en"],
        "title_zh": row["title_zh"],
        "summary": row["summary_en"],  # named "summary" in API v1
        "summary_zh": row["summary_zh"],
        "kind": row["kind"],
        "number": row["number"],
        "status": row["status"],
        "status_date": row["status_date"],
        "reply_due_on": due,
        "overdue": lifecycle.is_overdue(due, today),
        "session": links.of("session", row["session__slug"]),
        "themes": links.many("theme", row["theme_slugs"]),
        "sponsors": links.many("delegate", row["sponsor_slugs"]),
        "lead_sponsor": links.of("delegate", row["lead_slug"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def proposal_page_fetcher(links, *, with_timeline=False, includes=()):
    """A `fetch` for keyset paging: a sliced `proposal_values()` queryset → representation dicts, with what
    `includes` names (embedding.INCLUDES) added to each."""
    today = timezone.localdate()
    includes = {*includes, *(("timeline",) if with_timeline else ())}

    def fetch(sliced_values):
        rows = proposal_rows(sliced_values)
        return _with_includes([(proposal_dict(row, links, today), row["session_id"]) for row in rows],
                              includes, links, sliced_values.db)

    return fetch


def _with_includes(pieces, includes, links, using):
    """The items of [(item, session id)], with what `includes` names added to each (to copies: pieces are shared)."""
    if not includes:
        return [item for item, _session_id in pieces]
    items = [dict(item) for item, _session_id in pieces]
    if "timeline" in includes:
        attach_timelines(items, links, using=using)
    if includes - {"timeline"}:
        embedding.attach(items, {item["id"]: session_id for item, session_id in pieces}, includes, links, using=using)
    return items


def listed_proposals(sliced_queryset, links, includes=()):
    """The items of one list page (a sliced queryset of proposals in page order), with what `includes` names.

    The page's query reads only ids and `updated_at`, walking the list's index; each item is a proposal piece
    (tracker.caching.proposal_pieces), built from `proposal_values()` rows only for the proposals written
    since it was kept, so the array columns are evaluated for those rows alone.
    """
    today = timezone.localdate()
    using = sliced_queryset.db
    stamped = list(sliced_queryset.values_list("id", "updated_at"))

    def compute(missing):
        rows = proposal_rows(proposal_values(Proposal.objects.using(using).filter(pk__in=missing)))
        return {row["id"]: (proposal_dict(row, links, today), row["session_id"]) for row in rows}

    pieces = proposal_pieces("api-proposal", stamped, parts=(links.root, today), compute=compute)
    return _with_includes(pieces, set(includes), links, using)


def event_dict(row, links, today=None):
    owed = row["reply_due_on"] is not None and row["reply_settled_by_id"] is None
    return {
        "url": links.of("statusevent", row["id"]),
        "id": row["id"],
        "proposal": links.of("proposal", row["proposal_id"]),
        "date": row["date"],
        "date_approximate": row["date_approximate"],
        "status": row["status"],
        "note": row["note"],
        "source": links.of("source", row["source_id"]),
        "authority": links.of("authority", row["authority__slug"]),
        "handling_role": row["handling_role"],
        "reply_grade": row["reply_grade"],
        "reply_url": row["reply_url"],
        "reply_public": row["reply_public"],
        "verdict": row["verdict"],
        "adopted_in": row["adopted_in"],
        "reply_due_on": row["reply_due_on"],
        "reply_owed_by": links.of("authority", row["reply_owed_by__slug"]),
        "reply_settled_by": links.of("statusevent", row["reply_settled_by_id"]),
        "overdue": owed and lifecycle.is_overdue(row["reply_due_on"], today or timezone.localdate()),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def event_page_fetcher(links):
    def fetch(sliced_values):
        return [event_dict(row, links) for row in sliced_values]

    return fetch


def event_values(queryset):
    return queryset.values(*EVENT_FIELDS)


def attach_timelines(items, links, using=None):
    """Each proposal's full timeline, in timeline order, for a whole page in one query (on the page's database)."""
    by_id = {item["id"]: item for item in items}
    for item in items:
        item["timeline"] = []
    if not by_id:
        return
    events = StatusEvent.objects.using(using).filter(proposal_id__in=by_id, published=True).order_by(
        "proposal_id", "date", "id")
    for row in event_values(events):
        by_id[row["proposal_id"]]["timeline"].append(event_dict(row, links))


def proposal_detail(proposal_id, links, includes=()):
    """One proposal with its timeline, sources and related proposals (and what `includes` embeds); None if there
    is no such proposal."""
    fetch = proposal_page_fetcher(links, with_timeline=True, includes=includes)
    items = fetch(proposal_values(Proposal.objects.filter(pk=proposal_id)))
    if not items:
        return None
    item = items[0]
    proposal = Proposal.objects.only("id", "full_text").get(pk=proposal_id)
    item["full_text"] = proposal.full_text
    item["sources"] = links.many("source", proposal.sources.order_by("id").values_list("id", flat=True))
    item["related"] = links.many("proposal", proposal.related.published().order_by("id").values_list("id", flat=True))
    return item
