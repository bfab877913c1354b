"""Which followed things a batch of changes concerns, worked out for the whole batch in a few queries.

A digest run reads the changes once and indexes them by what they concern, so each digest costs the same
few queries however many changes it lists. Themes, delegates and companies select a proposal by the same
relations as ProposalQuerySet.filter_by (a theme of the proposal; a sponsor; a company a sponsor holds a
position at), read here for all the batch's proposals at once; tests/test_follow_matching.py checks that the
two agree. A search runs filter_by itself, once per distinct search, on the batch's proposals only. An
authority's followers hear of every proposal it was referred, owes a reply on, or replied to.
"""

import bisect
from collections import defaultdict

from django.db.models import Q

from people.models import Affiliation
from proposals.models import Proposal, Sponsorship, StatusEvent

from .models import Change


def visible_changes(after, up_to, kinds=None):
    """The changes with ids in (after, up_to] that readers may still see, oldest first, with what a digest shows
    (of the given kinds only, if any are given).

    A proposal taken back to draft, or a step made a draft again, drops out: followers never see drafts.
    """
    found = Change.objects.filter(pk__gt=after, pk__lte=up_to, proposal__published=True)
    if kinds:
        found = found.filter(kind__in=kinds)
    changes = list(
        found.filter(Q(event__isnull=True) | Q(event__published=True))
        .select_related("proposal", "event__authority", "event__reply_owed_by", "event__source")
        .order_by("pk")
    )
    for change in changes:
        if change.event is not None:
            change.event.proposal = change.proposal  # the same row: links to the step need no query of their own
    return changes


class ChangeIndex:
    """The changes of one batch, by what they concern: ("theme", id) → change ids, ascending, and so on."""

    def __init__(self, changes, searches=()):
        self.changes = {change.pk: change for change in changes}
        self._ids = defaultdict(list)
        by_proposal = defaultdict(list)
        for change in changes:
            by_proposal[change.proposal_id].append(change.pk)
        proposals = list(by_proposal)

        def concern(kind, proposal_id, target):
            self._ids[(kind, target)].extend(by_proposal[proposal_id])

        for proposal_id in proposals:
            concern("proposal", proposal_id, proposal_id)
        theme_links = Proposal.themes.through.objects.filter(proposal_id__in=proposals)
        for proposal_id, theme_id in theme_links.values_list("proposal_id", "theme_id"):
            concern("theme", proposal_id, theme_id)
        sponsors = defaultdict(set)
        for proposal_id, delegate_id in Sponsorship.objects.filter(proposal_id__in=proposals).values_list(
                "proposal_id", "delegate_id"):
            sponsors[delegate_id].add(proposal_id)
            concern("delegate", proposal_id, delegate_id)
        companies = defaultdict(set)
        for delegate_id, company_id in Affiliation.objects.filter(delegate_id__in=list(sponsors)).values_list(
                "delegate_id", "company_id"):
            companies[company_id] |= sponsors[delegate_id]
        for company_id, proposal_ids in companies.items():
            for proposal_id in proposal_ids:
                concern("company", proposal_id, company_id)
        handled = defaultdict(set)
        named = StatusEvent.objects.published().filter(proposal_id__in=proposals).filter(
            Q(authority__isnull=False) | Q(reply_owed_by__isnull=False))
        for proposal_id, authority_id, owing_id in named.values_list("proposal_id", "authority_id",
                                                                     "reply_owed_by_id"):
            handled[proposal_id] |= {authority_id, owing_id} - {None}
        for proposal_id, authority_ids in handled.items():
            for authority_id in authority_ids:
                concern("authority", proposal_id, authority_id)
        for query, filters in dict(searches).items():
            matched = Proposal.objects.published().filter_by(**filters).filter(pk__in=proposals)
            for proposal_id in matched.values_list("pk", flat=True):
                concern("search", proposal_id, query)
        for ids in self._ids.values():
            ids.sort()

    def __len__(self):
        return len(self.changes)

    def ids_for(self, kind, target, after=0):
        """Ids of the changes about this followed thing that came after `after`, oldest first."""
        ids = self._ids.get((kind, target), [])
        return ids[bisect.bisect_right(ids, after):]

    def for_subscription(self, subscription):
        target = subscription.query if subscription.kind == "search" else subscription.target_id
        return [self.changes[pk] for pk in self.ids_for(subscription.kind, target, subscription.watermark)]
