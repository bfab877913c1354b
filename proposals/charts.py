"""Server-side SVG pictures: one proposal's timeline, and status distributions as stacked bars.

Drawn on the server so the pages stay fast and complete without JavaScript. Each picture carries a
<title> and <desc>, and every page that shows one also shows the same facts as text (the event list,
a table), so nothing is only in the picture.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .bilingual import aside, clauses, labelled, listed
from .lifecycle import MILESTONES, ROAD_POSITION, Status
from .templatetags.reader import number, status_name

# Colours by stage, from a palette colour-blind readers can tell apart (Okabe and Ito): greys before filing,
# blue for the filing outcome, orange while handled, green once concluded, vermillion for the ends that stop a
# proposal. Within a stage the statuses share a hue and differ by a pattern, the second cue where hue alone
# would not tell them apart; every segment also carries its number, and the legend its name.
STAGE_COLOURS = {
    "proposed": "#7a7a7a", "filing": "#0072b2", "handling": "#e69f00", "concluded": "#009e73", "ended": "#d55e00",
}
STATUS_STYLE = {  # status: (stage, pattern)
    Status.ANNOUNCED: ("proposed", "dots"),
    Status.SUBMITTED: ("proposed", "solid"),
    Status.UNDER_REVIEW: ("proposed", "hatch"),
    Status.FILED: ("filing", "solid"),
    Status.MERGED: ("filing", "hatch"),
    Status.CONVERTED: ("filing", "dots"),
    Status.REFERRED: ("handling", "solid"),
    Status.REPLIED: ("handling", "hatch"),
    Status.FEEDBACK: ("handling", "dots"),
    Status.REHANDLING: ("handling", "cross"),
    Status.CLOSED: ("concluded", "solid"),
    Status.ADOPTED: ("concluded", "hatch"),
    Status.IMPLEMENTED: ("concluded", "cross"),
    Status.NOT_FILED: ("ended", "solid"),
    Status.WITHDRAWN: ("ended", "hatch"),
}
NOT_REACHED = "#b8bfca"
PATTERN_MARKS = {
    "hatch": '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#ffffff" stroke-width="1.6"/>',
    "cross": '<path d="M0,0 l6,6 M6,0 l-6,6" stroke="#ffffff" stroke-width="1.3"/>',
    "dots": '<circle cx="3" cy="3" r="1.3" fill="#ffffff"/>',
}


def colour(status):
    stage = STATUS_STYLE.get(status, (None, None))[0]
    return STAGE_COLOURS.get(stage, NOT_REACHED)


def fill(status, chart_id):
    """The fill of a status's segment: its stage colour, or the pattern drawn over it in this chart."""
    pattern = STATUS_STYLE.get(status, (None, "solid"))[1]
    return colour(status) if pattern == "solid" else f"url(#{chart_id}-{status})"


def pattern_defs(statuses, chart_id):
    """<defs> for the patterned statuses of one chart, each an id unique to the chart."""
    patterns = []
    for status in statuses:
        stage, pattern = STATUS_STYLE.get(status, (None, "solid"))
        if pattern == "solid":
            continue
        patterns.append(format_html(
            '<pattern id="{}-{}" width="6" height="6" patternUnits="userSpaceOnUse">'
            '<rect width="6" height="6" fill="{}"/>{}</pattern>',
            chart_id, status, STAGE_COLOURS[stage], mark_safe(PATTERN_MARKS[pattern])))
    return format_html("<defs>{}</defs>", mark_safe("".join(patterns))) if patterns else ""


# Where each status sits along the road; a not-filed proposal stopped where filing would have been.
_ROAD = {**ROAD_POSITION, Status.NOT_FILED: 1.0}
_ENDINGS = {Status.WITHDRAWN, Status.NOT_FILED}


@dataclass
class TimelineRow:
    """One station of a timeline: an event, or a milestone the proposal did not reach."""

    status: str
    event: object = None
    state: str = "reached"  # reached, skipped (passed over), ahead (may still come), never (the proposal ended)
    overdue: bool = False

    @property
    def is_milestone(self):
        return self.status in MILESTONES


def timeline_rows(events, overdue_event_ids=()):
    """The stations in order: every event, with unreached milestones placed where they would be."""
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


def _shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _ticks(largest):
    """A few round values for the axis: 0 and steps of 1, 2 or 5 times a power of ten up to the largest."""
    if largest <= 0:
        return [0]
    raw = largest / 4
    power = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(multiple * power for multiple in (1, 2, 5, 10) if multiple * power >= raw)
    return list(range(0, largest + 1, step))


def stacked_bars_svg(rows, *, title, chart_id):
    """One horizontal bar per row, its segments the proposals at each status, each with its number when it
    fits; a scale along the top, the total at each bar's end."""
    width, bar_left, bar_width, bar_height, row_height, top_margin = 360, 0, 300, 22, 52, 22
    largest = max((row.total for row in rows), default=0) or 1
    ticks = _ticks(largest)
    scale = bar_width / max(largest, ticks[-1])
    statuses = statuses_in(rows)
    height = top_margin + 8 + len(rows) * row_height
    shapes = [pattern_defs(statuses, chart_id)]
    for tick in ticks:
        x = bar_left + tick * scale
        shapes.append(format_html(
            '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" class="axis-grid"/>'
            '<text x="{x}" y="{label}" class="axis-label">{value}</text>',
            x=f"{x:.1f}", top=top_margin - 4, bottom=height - 4, label=top_margin - 8, value=number(tick)))
    descriptions = []
    for index, row in enumerate(rows):
        top = top_margin + 4 + index * row_height
        shapes.append(format_html('<text x="0" y="{}" class="bar-label">{}</text>', top + 12, row.label))
        x = bar_left
        for status in statuses:
            count = row.counts.get(status, 0)
            if not count:
                continue
            length = count * scale
            shapes.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" class="bar-segment"><title>{}: {}</title>'
                '</rect>', f"{x:.1f}", top + 18, f"{length:.1f}", bar_height, fill(status, chart_id),
                status_name(status), number(count)))
            label = number(count)
            if length >= 9 * len(label) + 6:  # the number fits inside its segment
                shapes.append(format_html(
                    '<text x="{}" y="{}" class="segment-value">{}</text>', f"{x + length / 2:.1f}", top + 34, label))
            x += length
        shapes.append(format_html(
            '<text x="{}" y="{}" class="bar-total">{}</text>', f"{x + 6:.1f}", top + 18 + 16, number(row.total)))
        parts = listed(f"{status_name(s)} {number(row.counts[s])}" for s in statuses if row.counts.get(s))
        descriptions.append(labelled(row.label, parts))
    return format_html(
        '<svg class="bars-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=height, id=chart_id, title=title, desc=clauses(descriptions),
        shapes=mark_safe("".join(str(shape) for shape in shapes)),
    )


def legend(statuses, chart_id, totals=None):
    """The key, as HTML so it wraps on a phone: each status's swatch (colour and pattern), name and total."""
    totals = totals or {}
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            # A drawn square, not a style attribute: the Content-Security-Policy allows no inline styles.
            "", '<li><svg class="swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" '
                'fill="{}" stroke="#5a6474" stroke-width="0.5"/></svg>{}{}</li>',
            ((fill(status, chart_id), status_name(status),
              format_html(' <span class="legend__count">{}</span>', number(totals[status])) if status in totals
              else "") for status in statuses),
        ),
    )


def share_bars_svg(rows, *, title, chart_id):
    """One bar per (label, share 0–1, out of how many), its percentage written beside it."""
    if not rows:
        return ""
    width, label_width, bar_width, row_height = 640, 250, 280, 26
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
            top + 13, _shorten(label, 36), label_width, top, bar_width, label_width, top, f"{length:.1f}",
            label_width + bar_width + 6, top + 13, percent, _("of %(count)s") % {"count": out_of}))
        descriptions.append(labelled(label, percent + aside(out_of)))
    height = 12 + len(rows) * row_height
    return format_html(
        '<svg class="share-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=height, id=chart_id, title=title, desc=clauses(descriptions),
        shapes=mark_safe("".join(shapes)),
    )


STAGE_NAMES = {
    "proposed": gettext_lazy("Proposed"), "filing": gettext_lazy("Filed or merged"),
    "handling": gettext_lazy("Being handled"), "concluded": gettext_lazy("Concluded"),
    "ended": gettext_lazy("Withdrawn or not filed"),
}


def stage_of(status):
    return STATUS_STYLE.get(status, (None, None))[0]


def stage_pairs_svg(stages, *, years, title, chart_id):
    """Two bars per stage, one per year (the later one solid, the earlier hatched), each with its number.

    `stages` is [(stage, {year: count})] in the lifecycle's order; `years` the two years, later first."""
    width, label_width, bar_width, bar_height, row_height = 560, 170, 300, 14, 44
    largest = max((count for _stage, counts in stages for count in counts.values()), default=0) or 1
    # The earlier year's bars: white with grey hatching, outlined in the stage's colour.
    shapes = [format_html(
        '<defs><pattern id="{}-earlier" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#ffffff"/>{}</pattern></defs>',
        chart_id, mark_safe(PATTERN_MARKS["hatch"].replace("#ffffff", "#5a6474")))]
    descriptions = []
    for index, (stage, counts) in enumerate(stages):
        top = 8 + index * row_height
        shapes.append(format_html('<text x="0" y="{}" class="bar-label">{}</text>', top + 16, STAGE_NAMES[stage]))
        for offset, year in enumerate(years):
            count = counts.get(year, 0)
            length = bar_width * count / largest
            fill_value = STAGE_COLOURS[stage] if offset == 0 else f"url(#{chart_id}-earlier)"
            y = top + offset * (bar_height + 2)
            shapes.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" class="bar-segment"><title>{} {}: {}'
                '</title></rect><text x="{}" y="{}" class="bar-total">{} <tspan class="bar-of">{}</tspan></text>',
                label_width, y, f"{max(length, 1):.1f}", bar_height, fill_value, STAGE_COLOURS[stage],
                STAGE_NAMES[stage], year, number(count), f"{label_width + max(length, 1) + 6:.1f}", y + 11,
                number(count), year))
        shown = listed(f"{year} {number(counts.get(year, 0))}" for year in years)
        descriptions.append(labelled(STAGE_NAMES[stage], shown))
    height = 12 + len(stages) * row_height
    return format_html(
        '<svg class="share-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=height, id=chart_id, title=title, desc=clauses(descriptions),
        shapes=mark_safe("".join(str(shape) for shape in shapes)),
    )


def count_bars_svg(rows, *, title, chart_id):
    """One bar per (label, count), the count written at its end: e.g. the replies each authority owes late."""
    if not rows:
        return ""
    width, label_width, bar_width, row_height = 560, 250, 240, 24
    largest = max(count for _label, count in rows) or 1
    shapes, descriptions = [], []
    for index, (label, count) in enumerate(rows):
        top = 6 + index * row_height
        length = bar_width * count / largest
        shapes.append(format_html(
            '<text x="0" y="{}" class="bar-label">{}</text><rect x="{}" y="{}" width="{}" height="14" '
            'class="overdue-bar"/><text x="{}" y="{}" class="bar-total">{}</text>',
            top + 12, _shorten(label, 36), label_width, top, f"{length:.1f}", f"{label_width + length + 6:.1f}",
            top + 12, number(count)))
        descriptions.append(labelled(label, number(count)))
    return format_html(
        '<svg class="share-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{shapes}</svg>',
        w=width, h=12 + len(rows) * row_height, id=chart_id, title=title, desc=clauses(descriptions),
        shapes=mark_safe("".join(shapes)),
    )
