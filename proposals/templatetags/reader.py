"""Template helpers for the reader pages: statuses in the reader's language, bilingual names, progress."""

import re

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from proposals import bilingual, lifecycle
from proposals.bilingual import reader_prefers_chinese
from proposals.lifecycle import MILESTONES, Status, milestones_reached

register = template.Library()


def status_name(status):
    """A status in the reader's language: the Chinese term of art for Chinese readers, else the English label."""
    if not status:
        return ""
    status = Status(status)
    return lifecycle.STATUS_CHINESE[status] if reader_prefers_chinese() else str(status.label)


def status_other_name(status):
    """The same status in the other language, shown alongside."""
    if not status:
        return ""
    status = Status(status)
    return str(status.label) if reader_prefers_chinese() else lifecycle.STATUS_CHINESE[status]


@register.filter
def status_label(status):
    return status_name(status)


@register.simple_tag
def status_badge(status):
    """The status as a coloured tag, with the other language's term as its tooltip."""
    if not status:
        return format_html('<span class="status status--none">{}</span>', "—")
    return format_html(
        '<span class="status status--{}" title="{}">{}</span>', status, status_other_name(status), status_name(status)
    )


@register.simple_tag
def progress(status):
    """A small row of steps showing how far along the main road a proposal got, labelled in words."""
    reached = milestones_reached(status)
    steps = format_html_join(
        "", '<span class="progress__step{}"></span>',
        ((" progress__step--done" if index < reached else "",) for index in range(len(MILESTONES))),
    )
    label = _("Stage %(reached)s of %(stages)s") % {"reached": reached, "stages": len(MILESTONES)}
    return format_html('<span class="progress" role="img" aria-label="{}" title="{}">{}</span>', label, label, steps)


@register.filter
def alongside(obj, field="name"):
    """The other language's form of a bilingual field, or ""."""
    return obj.alongside(field) if obj is not None else ""


@register.filter
def localized(obj, field):
    return obj.localized(field) if obj is not None else ""


@register.filter
def get_count(counts, key):
    """A count from a dict, 0 when the key is absent (templates cannot index dicts by a variable)."""
    return counts.get(key, 0)


@register.filter
def number(value):
    """A count grouped in the reader's locale (tracker/formats): 12,345 in both languages."""
    if value is None or value == "":
        return ""
    return intcomma(value)


# Lists and clauses with the reader's punctuation (proposals/bilingual.py).
register.filter("listed", bilingual.listed)
register.filter("clauses", bilingual.clauses)


@register.simple_tag
def clause_break():
    """What stands between two clauses written in a template loop: "; " or "；"."""
    return bilingual.clauses(["", ""])


@register.filter
def percent(share):
    """A share 0–1 as a whole percentage, or a dash when there is nothing to divide."""
    return "—" if share is None else f"{share:.0%}"


@register.filter
def days(value):
    """A number of days, as readers say it: "91.5 days"; a dash when there is none."""
    if value is None:
        return "—"
    shown = f"{value:.1f}".rstrip("0").rstrip(".")
    return ngettext("%(days)s day", "%(days)s days", 1 if value == 1 else 2) % {"days": shown}


@register.filter
def page_numbers(paginator, current):
    """The page numbers to link: the first and last, and those around the current one, gaps elided."""
    return paginator.get_elided_page_range(current, on_each_side=2, on_ends=1)


@register.filter
def highlight(text, words):
    """`text`, escaped, with each of `words` (any case, Chinese too) marked: what the search matched."""
    text = str(text or "")
    wanted = sorted({word for word in words or () if word}, key=len, reverse=True)
    if not wanted:
        return text
    pattern = re.compile("|".join(re.escape(word) for word in wanted), re.IGNORECASE)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(format_html("<mark>{}</mark>", match.group(0)))
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(str(piece) for piece in pieces))
