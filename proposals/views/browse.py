"""The home page and the pages that browse proposals by theme, session and handling authority."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import charts
from proposals.lifecycle import ReplyGrade, Status
from proposals.models import Authority, Proposal, Session, StatusEvent, Theme

from .listing import paginate

LATEST_CHANGES = 15


def home(request):
    latest = (
        StatusEvent.objects.latest_first()
        .select_related("proposal__session", "authority")[:LATEST_CHANGES]
    )
    themes = Theme.objects.annotate(proposal_count=Count("proposals")).order_by("-proposal_count", "name_en")
    sessions = Session.objects.select_related("body").annotate(proposal_count=Count("proposals")).order_by(
        "-opened_on", "body__name_en")
    totals = {
        "proposals": Proposal.objects.count(),
        "overdue": Proposal.objects.overdue().count(),
    }
    return render(request, "proposals/home.html", {
        "latest": latest, "themes": themes, "sessions": sessions, "totals": totals,
    })


def theme_list(request):
    themes = Theme.objects.select_related("parent").annotate(proposal_count=Count("proposals")).order_by("name_en")
    return render(request, "proposals/theme_list.html", {"themes": themes})


def _year_chart(proposals, title, chart_id):
    rows = charts.bar_rows(proposals.status_counts("session__year"), "session__year", {})
    return _chart_context(rows, title, chart_id)


def _chart_context(rows, title, chart_id):
    statuses = charts.statuses_in(rows)
    return {
        "rows": rows, "statuses": statuses, "legend": charts.legend(statuses), "title": title, "id": chart_id,
        "svg": charts.stacked_bars_svg(rows, title=title, chart_id=chart_id) if rows else "",
    }


def theme_detail(request, slug):
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    in_theme = Proposal.objects.filter_by(theme=theme)
    status_counts = {row["status"]: row["count"] for row in in_theme.status_counts()}
    notices = []
    status = request.GET.get("status", "")
    if status and status not in Status.values:
        notices.append(_("“%(value)s” is not a known status, so all statuses are shown.") % {"value": status[:50]})
        status = ""
    listed = Proposal.objects.filter_by(theme=theme, status=status or None).with_related()
    page, page_notice = paginate(request, listed)
    if page_notice:
        notices.append(page_notice)
    return render(request, "proposals/theme_detail.html", {
        "theme": theme, "children": theme.children.all(), "page": page, "notices": notices,
        "status": status, "status_counts": [(s, status_counts[s]) for s in Status.values if s in status_counts],
        "total": sum(status_counts.values()),
        "chart": _year_chart(in_theme, _("Proposals on %(theme)s by status, per session year") % {
            "theme": theme.name}, "theme-chart"),
        "feed_url": reverse("proposals:feed_theme", kwargs={"slug": theme.slug}),
    })


def session_list(request):
    sessions = Session.objects.select_related("body").annotate(proposal_count=Count("proposals")).order_by(
        "-opened_on", "body__name_en")
    return render(request, "proposals/session_list.html", {"sessions": sessions})


def session_detail(request, slug):
    session = get_object_or_404(Session.objects.select_related("body"), slug=slug)
    in_session = Proposal.objects.filter_by(session=session)
    theme_names = {theme.pk: theme.name for theme in Theme.objects.filter(proposals__session=session).distinct()}
    rows = charts.bar_rows(in_session.status_counts("themes"), "themes", theme_names)
    rows.sort(key=lambda row: (-row.total, row.label))
    page, notice = paginate(request, in_session.with_related())
    return render(request, "proposals/session_detail.html", {
        "session": session, "page": page, "notices": [notice] if notice else [],
        "chart": _chart_context(rows, _("Proposals of %(session)s by status, per theme") % {
            "session": session.name}, "session-chart"),
    })


def authority_list(request):
    overdue = dict(
        StatusEvent.objects.overdue().order_by().values("authority").annotate(n=Count("pk")).values_list(
            "authority", "n")
    )
    authorities = Authority.objects.annotate(
        referral_count=Count("status_events", filter=Q(status_events__status=Status.REFERRED)),
        reply_count=Count("status_events", filter=Q(status_events__status=Status.REPLIED)),
    ).order_by("name_en")
    rows = [(authority, overdue.get(authority.pk, 0)) for authority in authorities]
    return render(request, "proposals/authority_list.html", {"rows": rows})


def authority_detail(request, slug):
    authority = get_object_or_404(Authority, slug=slug)
    today = timezone.localdate()
    events = authority.status_events.all()
    later_reply = StatusEvent.objects.filter(
        proposal=OuterRef("proposal"), authority=OuterRef("authority"), status=Status.REPLIED,
        date__gte=OuterRef("date"),
    ).order_by("date", "id")
    referrals = (
        events.filter(status=Status.REFERRED).select_related("proposal__session")
        .annotate(reply_date=Subquery(later_reply.values("date")[:1]),
                  reply_grade_given=Subquery(later_reply.values("reply_grade")[:1]))
        .order_by("-date", "-id")
    )
    page, notice = paginate(request, referrals)
    overdue_ids = set(events.overdue(today).values_list("pk", flat=True))
    grades = dict(events.filter(status=Status.REPLIED).order_by().values("reply_grade").annotate(
        n=Count("pk")).values_list("reply_grade", "n"))
    replies = events.filter(status=Status.REPLIED).select_related("proposal").order_by("-date", "-id")[:50]
    return render(request, "proposals/authority_detail.html", {
        "authority": authority, "page": page, "notices": [notice] if notice else [], "overdue_ids": overdue_ids,
        "overdue_count": len(overdue_ids), "replies": replies,
        "grades": [(grade, label, grades.get(grade, 0)) for grade, label in ReplyGrade.choices],
        "reply_total": sum(grades.values()),
    })
