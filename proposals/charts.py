"""Server-side SVG pictures: one proposal's timeline, and status distributions as stacked bars.

Drawn on the server so the pages stay fast and complete without JavaScript. Each picture carries a
<title> and <desc>, and every page that shows one also shows the same facts as text (the event list,
a table), so nothing is only in the picture.
"""

from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .lifecycle import MILESTONES, ROAD_POSITION, Status
from .templatetags.reader import status_name

# Colours by how far a status got: greys before review, blues while examined, ambers while handled,
# greens once concluded, reds for the ends that stop a proposal. All reach 4.5:1 against white text or
# are used only as fills beside a text label.
STATUS_COLOURS = {
    Status.ANNOUNCED: "#8a94a6",
    Status.SUBMITTED: "#5b6b82",
    Status.UNDER_REVIEW: "#4d7fc4",
    Status.FILED: "#2c5fa8",
    Status.NOT_FILED: "#b3261e",
    Status.MERGED: "#6d5bb0",
    Status.CONVERTED: "#8458a8",
    Status.REFERRED: "#c77c0e",
    Status.REPLIED: "#a35f00",
    Status.FEEDBACK: "#b8860b",
    Status.REHANDLING: "#d9480f",
    Status.CLOSED: "#4c7a5a",
    Status.ADOPTED: "#2b8a3e",
    Status.IMPLEMENTED: "#1b6e2e",
    Status.WITHDRAWN: "#7a2e2e",
}
NOT_REACHED = "#b8bfca"

# Where each status sits along the road; a not-filed proposal stopped where filing would have been.
_ROAD = {**ROAD_POSITION, Status.NOT_FILED: 1.0}
_ENDINGS = {Status.WITHDRAWN, Status.NOT_FILED}


def colour(status):
    return STATUS_COLOURS.get(status, NOT_REACHED)


@dataclass
class TimelineRow:
    """One station on the drawn timeline: an event, or a milestone the proposal did not reach."""

    status: str
    event: object = None
    state: str = "reached"  # reached, skipped (passed over), ahead (may still come), never (the proposal ended)
    overdue: bool = False
    details: list = field(default_factory=list)

    @property
    def is_milestone(self):
        return self.status in MILESTONES


def timeline_rows(events, overdue_event_ids=()):
    """The stations to draw, in order: every event, with unreached milestones placed where they would be."""
    reached = {event.status for event in events}
    unreached = [(index, status) for index, status in enumerate(MILESTONES) if status not in reached]
    ended = any(event.status in _ENDINGS for event in events)
    rows = []
    for event in events:
        position = _ROAD.get(event.status)
        while position is not None and unreached and unreached[0][0] < position:
            rows.append(TimelineRow(status=unreached.pop(0)[1], state="skipped"))
        rows.append(TimelineRow(status=event.status, event=event, overdue=event.pk in overdue_event_ids))
    rows.extend(TimelineRow(status=status, state="never" if ended else "ahead") for _index, status in unreached)
    return rows


def _event_line(event):
    """The small print under an event: its date and the details that matter for its status."""
    day = event.date.isoformat()
    parts = [_("about %(date)s") % {"date": day} if event.date_approximate else day]
    if event.authority_id:
        authority = event.authority
        parts.append(authority.abbreviation or authority.name)
    if event.handling_role:
        parts.append(str(event.get_handling_role_display()).split(" (")[0])
    if event.reply_grade:
        parts.append(_("grade %(grade)s") % {"grade": event.reply_grade})
    if event.verdict:
        parts.append(str(event.get_verdict_display()))
    if event.adopted_in:
        parts.append(event.adopted_in)
    return " · ".join(parts)


def _shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


_STATE_WORDS = {
    "skipped": lambda: _("not recorded"),
    "ahead": lambda: _("not yet"),
    "never": lambda: _("not reached"),
}


def timeline_svg(rows, *, title, overdue_since=None):
    """A vertical road: filled stations for what happened (each dated), hollow ones for milestones not reached."""
    width, left, text_x = 400, 20, 44
    heights = [58 if row.event else 46 for row in rows]
    if overdue_since:
        heights.append(46)
    total = sum(heights) + 16
    last_event = max((i for i, row in enumerate(rows) if row.event), default=-1)

    shapes, y = [], 24
    centres = []
    for height in heights:
        centres.append(y)
        y += height
    # The road: solid as far as the proposal travelled, dashed beyond.
    if len(centres) > 1:
        travelled = centres[max(last_event, 0)]
        shapes.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="tl-road"/>', left, centres[0], left, travelled))
        if centres[-1] > travelled:
            shapes.append(format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="tl-road tl-road--ahead"/>',
                left, travelled, left, centres[-1]))

    descriptions = []
    for row, cy in zip(rows, centres, strict=False):
        name = status_name(row.status)
        if row.event:
            radius = 10 if row.is_milestone else 6
            shapes.append(format_html(
                '<circle cx="{}" cy="{}" r="{}" fill="{}" class="tl-dot"/>', left, cy, radius, colour(row.status)))
            line = _event_line(row.event)
            overdue = format_html(
                ' <tspan class="tl-overdue">{}</tspan>', _("reply overdue")) if row.overdue else ""
            shapes.append(format_html(
                '<text x="{}" y="{}" class="tl-label">{}{}</text>'
                '<text x="{}" y="{}" class="tl-small">{}</text>',
                text_x, cy + 5, name, overdue, text_x, cy + 25, _shorten(line, 44)))
            descriptions.append(f"{name}: {line}" + (f" ({_('reply overdue')})" if row.overdue else ""))
        else:
            state = _STATE_WORDS[row.state]()
            shapes.append(format_html(
                '<circle cx="{}" cy="{}" r="9" class="tl-dot tl-dot--{}"/>', left, cy, row.state))
            shapes.append(format_html(
                '<text x="{}" y="{}" class="tl-label tl-label--muted">{} <tspan class="tl-small">{}</tspan></text>',
                text_x, cy + 5, name, state))
            descriptions.append(f"{name}: {state}")
    if overdue_since:
        cy = centres[-1]
        shapes.append(format_html(
            '<path d="M{} {} l9 16 h-18 z" class="tl-warning"/>', left, cy - 10))
        warning = _("Reply overdue since %(date)s") % {"date": overdue_since.isoformat()}
        shapes.append(format_html(
            '<text x="{}" y="{}" class="tl-label tl-overdue">{}</text>', text_x, cy + 5, warning))
        descriptions.append(warning)

    return format_html(
        '<svg class="timeline-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="tl-title tl-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="tl-title">{title}</title><desc id="tl-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=total, title=title, desc="; ".join(descriptions), shapes=mark_safe("".join(shapes)),
    )


@dataclass
class BarRow:
    label: str
    counts: dict  # status -> count

    @property
    def total(self):
        return sum(self.counts.values())


def bar_rows(count_rows, key, labels):
    """Group `status_counts()` rows into one BarRow per value of `key`, labelled by `labels[value]`."""
    grouped = {}
    for row in count_rows:
        value = row[key]
        if value is None or not row["status"]:
            continue
        grouped.setdefault(value, {})[row["status"]] = row["count"]
    return [BarRow(label=labels.get(value, str(value)), counts=counts) for value, counts in grouped.items()]


def statuses_in(rows):
    """The statuses that occur in the rows, in lifecycle order, for legends and table columns."""
    present = {status for row in rows for status in row.counts}
    return [status for status in Status.values if status in present]


def stacked_bars_svg(rows, *, title, chart_id):
    """One horizontal bar per row, its segments the proposals at each status; the total at the bar's end."""
    width, bar_left, bar_width, bar_height, row_height = 320, 0, 280, 22, 52
    largest = max((row.total for row in rows), default=0) or 1
    statuses = statuses_in(rows)
    shapes, descriptions = [], []
    for index, row in enumerate(rows):
        top = 8 + index * row_height
        shapes.append(format_html('<text x="0" y="{}" class="bar-label">{}</text>', top + 12, row.label))
        x = bar_left
        for status in statuses:
            count = row.counts.get(status, 0)
            if not count:
                continue
            length = bar_width * count / largest
            shapes.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                f"{x:.1f}", top + 18, f"{length:.1f}", bar_height, colour(status), status_name(status), count))
            x += length
        shapes.append(format_html(
            '<text x="{}" y="{}" class="bar-total">{}</text>', f"{x + 6:.1f}", top + 18 + 16, row.total))
        parts = ", ".join(f"{status_name(s)} {row.counts[s]}" for s in statuses if row.counts.get(s))
        descriptions.append(f"{row.label}: {parts}")
    height = 16 + len(rows) * row_height
    return format_html(
        '<svg class="bars-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=height, id=chart_id, title=title, desc="; ".join(descriptions),
        shapes=mark_safe("".join(shapes)),
    )


def legend(statuses):
    """The colour key, as HTML so it wraps on a phone."""
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            # A drawn square, not a style attribute: the Content-Security-Policy allows no inline styles.
            "", '<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" '
                'fill="{}"/></svg>{}</li>',
            ((colour(status), status_name(status)) for status in statuses),
        ),
    )


def share_bars_svg(rows, *, title, chart_id):
    """One bar per (label, share 0–1, out of how many), its percentage written beside it."""
    if not rows:
        return ""
    width, label_width, bar_width, row_height = 560, 230, 260, 26
    shapes, descriptions = [], []
    for index, (label, share, out_of) in enumerate(rows):
        top = 6 + index * row_height
        length = bar_width * share
        percent = f"{share:.0%}"
        shapes.append(format_html(
            '<text x="0" y="{}" class="bar-label">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="16" class="share-track"/>'
            '<rect x="{}" y="{}" width="{}" height="16" class="share-bar"/>'
            '<text x="{}" y="{}" class="bar-total">{} <tspan class="bar-of">({})</tspan></text>',
            top + 13, _shorten(label, 34), label_width, top, bar_width, label_width, top, f"{length:.1f}",
            label_width + bar_width + 6, top + 13, percent, _("of %(count)s") % {"count": out_of}))
        descriptions.append(f"{label}: {percent} ({out_of})")
    height = 12 + len(rows) * row_height
    return format_html(
        '<svg class="share-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=height, id=chart_id, title=title, desc="; ".join(descriptions),
        shapes=mark_safe("".join(shapes)),
    )
