"""The site's search: proposals first, then the delegates, companies, themes and authorities the words name.

Proposals are ranked as on the proposal list (one search entry point, ProposalQuerySet.ranked); the other
records match their names in any language, pinyin or other spelling. Each section shows its best few with
a link to all of them.
"""

from django.db.models import Q
from django.shortcuts import render

from people.models import Company, Delegate
from proposals.models import Authority, Proposal, Theme
from proposals.querysets import named

from .cards import proposal_cards
from .filtering import LONGEST_TEXT as LONGEST_QUERY
from .filtering import shortened
from .proposal_pages import matching_count

SHOWN = 10


def site_search(request):
    text = " ".join(request.GET.get("q", "").split())
    notices = []
    if len(text) > LONGEST_QUERY:
        text = shortened(text, LONGEST_QUERY)
        notices.append(_long_notice())
    context = {"q": text, "notices": notices, "words": text.split()}
    if text:
        context.update({
            "proposal_total": matching_count({"q": text}),
            "proposals": proposal_cards(Proposal.objects.published().ranked(text).with_related()[:SHOWN]),
            "delegates": list(named(Delegate, text).order_by("name_en")[:SHOWN]),
            "companies": list(named(Company, text).order_by("name_en")[:SHOWN]),
            "themes": list(_by_name(Theme, text)[:SHOWN]),
            "authorities": list(_by_name(Authority, text, extra=("abbreviation",))[:SHOWN]),
        })
    return render(request, "proposals/search.html", context)


def _by_name(model, text, extra=()):
    condition = Q()
    for field in ("name_en", "name_zh", "slug", *extra):
        condition |= Q(**{f"{field}__icontains": text})
    return model.objects.filter(condition).order_by("name_en")


def _long_notice():
    from django.utils.translation import gettext as _

    return _("Only the first %(count)s characters of the search were used.") % {"count": LONGEST_QUERY}
