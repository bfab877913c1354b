"""The rows of a proposal list, worked out once per page in Python rather than per row in the template.

A page of 50 cards used to spend ~30 ms in the template: every row reversed four or more URLs, looked up
the active language for each bilingual name, rendered the status badge and progress steps afresh and
translated "since …" again. Here each URL pattern is reversed once per page and filled in per row, the
language is read once, and the status markup is rendered once per status.

The lists show `rendered_cards`: each card's HTML is kept (tracker.caching.proposal_pieces) until a write
touches its proposal or the names it shows, so a page reads its proposals' ids, and builds and renders only the
cards written since. That was most of a page's time at 100,000 proposals (docs/scaling.md).
"""

from dataclasses import dataclass

from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from proposals.bilingual import in_language, reader_prefers_chinese
from proposals.models import Proposal
from proposals.templatetags.reader import progress, status_badge
from tracker.caching import proposal_pieces

CARD_TEMPLATE = "includes/proposal_card.html"

# Stand-ins reversed into URL patterns and then replaced: valid for the <int:> and <slug:> converters, and
# unlike anything a real address holds.
_PK = 987654321987
_SLUG = "slug-stand-in-1f2e3d"


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True, slots=True)
class ProposalCard:
    url: str
    title: str
    title_alongside: str
    sponsors: list
    session: Link
    themes: list
    status_markup: str
    since: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class RenderedCard:
    """A card as the lists show it: the HTML of its list item, and its session (a delegate's page groups by it)."""

    html: str
    session: Link


class _Addresses:
    """get_absolute_url() for many objects at the cost of one reverse() per kind of page."""

    def __init__(self):
        self._patterns = {}

    def of(self, name, **kwargs):
        pattern = self._patterns.get(name)
        if pattern is None:
            placeholders = {key: _PK if key == "pk" else _SLUG for key in kwargs}
            pattern = self._patterns[name] = reverse(name, kwargs=placeholders)
        url = pattern
        if "pk" in kwargs:
            url = url.replace(str(_PK), str(kwargs["pk"]), 1)
        if "slug" in kwargs:
            url = url.replace(_SLUG, kwargs["slug"], 1)
        return url


def proposal_cards(proposals):
    """One ProposalCard per proposal of a list fetched with `with_related()` (no further queries)."""
    chinese = reader_prefers_chinese()
    today = timezone.localdate()
    addresses = _Addresses()
    status_markup = {}
    cards = []
    for proposal in proposals:
        title, title_alongside = in_language(proposal.title_en, proposal.title_zh, chinese)
        sponsors = [
            Link(addresses.of("people:delegate_detail", slug=s.delegate.slug),
                 in_language(s.delegate.name_en, s.delegate.name_zh, chinese)[0])
            for s in proposal.sponsorships.all()
        ]
        themes = [
            Link(addresses.of("proposals:theme_detail", slug=theme.slug),
                 in_language(theme.name_en, theme.name_zh, chinese)[0])
            for theme in proposal.themes.all()
        ]
        session = proposal.session
        if proposal.status not in status_markup:
            status_markup[proposal.status] = format_html(
                "{}{}", status_badge(proposal.status), progress(proposal.status)
            )
        cards.append(ProposalCard(
            url=addresses.of("proposals:proposal_detail", pk=proposal.pk, slug=proposal.slug or "proposal"),
            title=title,
            title_alongside=title_alongside,
            sponsors=sponsors,
            session=Link(addresses.of("proposals:session_detail", slug=session.slug),
                         in_language(session.name_en, session.name_zh, chinese)[0]),
            themes=themes,
            status_markup=status_markup[proposal.status],
            since=_("since %(date)s") % {"date": proposal.status_date.isoformat()} if proposal.status_date else "",
            overdue=proposal.is_overdue(today),
        ))
    return cards


def rendered_cards(proposals):
    """The RenderedCard of each proposal of a page (a Page or a sliced queryset of proposals), in order.

    Its query reads only the page's ids and `updated_at`; the cards kept for them are reused, and only the
    others are fetched with `with_related()` (a fixed number of queries) and rendered.
    """
    object_list = getattr(proposals, "object_list", proposals)
    using = object_list.db
    stamped = list(object_list.values_list("pk", "updated_at"))

    def compute(missing):
        rows = list(Proposal.objects.using(using).filter(pk__in=missing).with_related())
        template = get_template(CARD_TEMPLATE)
        return {row.pk: RenderedCard(template.render({"card": card}), card.session)
                for row, card in zip(rows, proposal_cards(rows), strict=True)}

    return proposal_pieces("card", stamped, parts=(get_language(), timezone.localdate()), compute=compute)
