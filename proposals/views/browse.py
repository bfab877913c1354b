"""The home page and the pages that browse proposals by theme, session and handling authority."""

from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from proposals import charts, scorecards
from proposals.bilingual import reader_name_key
from proposals.lifecycle import Status
from proposals.models import Authority, Proposal, Session, StatusEvent, Theme
from tracker.caching import MEMBERSHIP, cached_piece, tagged_piece

from .cards import rendered_cards
from .pagination import paginate

LATEST_CHANGES = 15
# How many published proposals a theme or session has: readers never count drafts.
PUBLISHED_COUNT = Count("proposals", filter=Q(proposals__published=True))


def home(request):
    latest = (
        StatusEvent.objects.published().latest_first()
        .select_related("proposal__session", "authority")[:LATEST_CHANGES]
    )
    language = get_language()
    # What proposals exist where does not change when a status is saved: kept across editors' steps.
    counts = tagged_piece("home-counts", language, tags=[MEMBERSHIP], compute=_counts)
    statuses = cached_piece("home-statuses", language, timezone.localdate(),
                            compute=lambda: _statuses(counts["years"]))
    return render(request, "proposals/home.html", {"latest": latest, **counts, **statuses})


def _counts():
    """Proposals per theme and session, and the two latest session years: recomputed when proposals come, go,
    are published or move; each status save leaves them be (the costliest part of the page, 200 ms at 100,000)."""
    themes = sorted(Theme.objects.annotate(proposal_count=PUBLISHED_COUNT),
                    key=lambda theme: (-theme.proposal_count, reader_name_key(theme)))
    sessions = list(Session.objects.select_related("body").annotate(proposal_count=PUBLISHED_COUNT).order_by(
        "-opened_on", "body__name_en"))
    years = list(Session.objects.filter(proposals__published=True).order_by("-year").values_list(
        "year", flat=True).distinct()[:2])
    return {"themes": themes, "sessions": sessions, "years": years,
            "proposal_total": Proposal.objects.published().count()}


def _statuses(years):
    """Where proposals stand in the latest session years, and who is late: once per data version and day."""
    published = Proposal.objects.published()
    by_stage = {}
    for row in published.filter(session__year__in=years).values("session__year", "status").annotate(n=Count("pk")):
        stage = charts.stage_of(row["status"])
        if stage:
            counts = by_stage.setdefault(stage, {})
            counts[row["session__year"]] = counts.get(row["session__year"], 0) + row["n"]
    stages = [(stage, by_stage[stage]) for stage in charts.STAGE_COLOURS if stage in by_stage]
    late = StatusEvent.objects.published().overdue().order_by().values("reply_owed_by").annotate(
        n=Count("pk")).order_by("-n")[:10]
    names = {authority.pk: authority.name for authority in Authority.objects.filter(
        pk__in=[row["reply_owed_by"] for row in late])}
    return {
        "overdue_total": published.overdue().count(),
        "stage_chart": charts.stage_pairs_svg(
            stages, years=years, chart_id="stage-chart",
            title=_("Proposals by stage, %(years)s") % {"years": " / ".join(str(year) for year in years)},
        ) if stages else "",
        "overdue_chart": charts.count_bars_svg(
            [(names.get(row["reply_owed_by"], "—"), row["n"]) for row in late],
            title=_("Replies overdue, by authority"), chart_id="overdue-chart"),
    }


def theme_list(request):
    themes = sorted(Theme.objects.select_related("parent").annotate(proposal_count=PUBLISHED_COUNT),
                    key=reader_name_key)
    return render(request, "proposals/theme_list.html", {"themes": themes})


def _chart_context(rows, title, chart_id):
    statuses = charts.statuses_in(rows)
    totals = {status: sum(row.counts.get(status, 0) for row in rows) for status in statuses}
    return {
        "rows": rows, "statuses": statuses, "legend": charts.legend(statuses, chart_id, totals), "title": title,
        "id": chart_id,
        "svg": charts.stacked_bars_svg(rows, title=title, chart_id=chart_id) if rows else "",
    }


def _theme_counts(theme):
    """{"year", "status", "count"} rows for a theme's proposals, computed once per data version.

    One query serves both the status filter's counts and the per-year chart. It starts from the theme-link
    table, where each (proposal, theme) pair appears once, so a plain COUNT(*) is exact: at 100,000
    proposals this is one 40 ms query instead of two COUNT(DISTINCT) scans through an EXISTS filter, and
    the cache makes it 0 ms until the next edit.
    """
    def compute():
        links = Proposal.themes.through.objects.filter(theme=theme, proposal__published=True)
        return list(
            links.values(year=F("proposal__session__year"), status=F("proposal__status"))
            .annotate(count=Count("*")).order_by("year", "status")
        )

    return cached_piece("theme-counts", theme.pk, compute=compute)


def theme_detail(request, slug):
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    counts = _theme_counts(theme)
    status_counts = {}
    for row in counts:
        status_counts[row["status"]] = status_counts.get(row["status"], 0) + row["count"]
    total = sum(status_counts.values())
    notices = []
    status = request.GET.get("status", "")
    if status and status not in Status.values:
        notices.append(_("“%(value)s” is not a known status, so all statuses are shown.") % {"value": status[:50]})
        status = ""
    listed = Proposal.objects.published().filter_by(theme=theme, status=status or None).with_related()
    # The counts above already say how many rows the list has: no COUNT(*) for the paginator.
    page, page_notice = paginate(request, listed, count=status_counts.get(status, 0) if status else total)
    if page_notice:
        notices.append(page_notice)

    def chart():
        title = _("Proposals on %(theme)s by status, per session year") % {"theme": theme.name}
        return _chart_context(charts.bar_rows(counts, "year", {}), title, "theme-chart")

    return render(request, "proposals/theme_detail.html", {
        "theme": theme, "children": theme.children.all(), "page": page, "cards": rendered_cards(page),
        "notices": notices, "status": status,
        "status_counts": [(s, status_counts[s]) for s in Status.values if s in status_counts], "total": total,
        # The chart's words are in the reader's language, so it is kept per language.
        "chart": cached_piece("theme-chart", theme.pk, get_language(), compute=chart),
        "feed_url": reverse("proposals:feed_theme", kwargs={"slug": theme.slug}),
    })


def session_list(request):
    sessions = Session.objects.select_related("body").annotate(proposal_count=PUBLISHED_COUNT).order_by(
        "-opened_on", "body__name_en")
    return render(request, "proposals/session_list.html", {"sessions": sessions})


def session_detail(request, slug):
    session = get_object_or_404(Session.objects.select_related("body"), slug=slug)
    in_session = Proposal.objects.published().filter_by(session=session)
    theme_names = {theme.pk: theme.name for theme in Theme.objects.filter(
        proposals__session=session, proposals__published=True).distinct()}
    rows = charts.bar_rows(in_session.status_counts("themes"), "themes", theme_names)
    rows.sort(key=lambda row: (-row.total, row.label))
    page, notice = paginate(request, in_session.with_related())
    return render(request, "proposals/session_detail.html", {
        "session": session, "page": page, "cards": rendered_cards(page), "notices": [notice] if notice else [],
        "chart": _chart_context(rows, _("Proposals of %(session)s by status, per theme") % {
            "session": session.name}, "session-chart"),
    })


def authority_list(request):
    """Every authority's scorecard side by side, for one session or all, sorted by any column (no JavaScript)."""
    sessions = list(Session.objects.select_related("body").order_by("-opened_on", "body__name_en"))
    chosen = next((session for session in sessions if session.slug == request.GET.get("session")), None)
    sort = request.GET.get("sort") if request.GET.get("sort") in scorecards.SORTS else "overdue"
    rows = scorecards.comparison(session=chosen, sort=sort)
    return render(request, "proposals/authority_list.html", {
        "rows": rows, "sessions": sessions, "chosen": chosen, "sort": sort,
        "chart": charts.share_bars_svg(
            [(authority.name, card.on_time_share, card.judged) for authority, card in rows if card.judged],
            title=_("Share of replies on time, per authority"), chart_id="on-time-chart"),
    })


def authority_detail(request, slug):
    authority = get_object_or_404(Authority, slug=slug)
    events = authority.status_events.published()
    # What the authority was asked: its referrals, and the rehandlings it owes a reply for.
    asked = (
        StatusEvent.objects.published()
        .filter(Q(status=Status.REFERRED, authority=authority) | Q(reply_owed_by=authority))
        .select_related("proposal", "reply_settled_by").order_by("-date", "-id")
    )
    page, notice = paginate(request, asked)
    replies = events.filter(status=Status.REPLIED).select_related("proposal").order_by("-date", "-id")[:50]
    overall, per_session = scorecards.for_authority(authority)
    return render(request, "proposals/authority_detail.html", {
        "authority": authority, "page": page, "notices": [notice] if notice else [], "replies": replies,
        "card": overall, "per_session": per_session,
    })
