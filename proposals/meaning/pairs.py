"""Machine-suggested pairs of proposals from different years that read like the same idea, for editors to
confirm (the two become `related`) or dismiss (the pair is never suggested again).

Pairs are looked for when a proposal is embedded (`suggest_for`, a few milliseconds each) and, for a whole
database, by `manage.py embed_proposals` (`suggest_all`, one matrix product per block of proposals).
"""

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from proposals.models import Proposal

from . import embedding, index, store
from .models import PairSuggestion, ProposalVector

PER_PROPOSAL = 5  # the closest few per proposal: a review list is read, not searched
BLOCK = 256

Related = Proposal.related.through


def _already_related():
    return Exists(Related.objects.filter(from_proposal=OuterRef("first"), to_proposal=OuterRef("second")))


def to_review():
    """Pairs still waiting for an editor, closest first; pairs someone has linked by hand since are left out."""
    return (PairSuggestion.objects.filter(state=PairSuggestion.State.SUGGESTED).exclude(_already_related())
            .select_related("first__session", "second__session"))


def _store(found, embedder):
    """Write (a, b, score) pairs as suggestions; a pair already suggested, confirmed or dismissed is left as it is."""
    rows = {}
    for a, b, score in found:
        first, second = min(a, b), max(a, b)
        rows[(first, second)] = max(score, rows.get((first, second), score))
    if not rows:
        return 0
    related = set(Related.objects.filter(from_proposal__in={first for first, _second in rows}).values_list(
        "from_proposal_id", "to_proposal_id"))
    new = [PairSuggestion(first_id=first, second_id=second, score=round(score, 4), model=embedder.name)
           for (first, second), score in rows.items() if (first, second) not in related]
    PairSuggestion.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def suggest_for(proposal_ids, embedder=None):
    """Look for pairs of these proposals with proposals of other years."""
    embedder = embedder or embedding.backend()
    if not proposal_ids:
        return 0
    years = dict(Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "session__year"))
    found = []
    for pk, year in years.items():
        vector = store.vector_of(pk, embedder)
        others = Proposal.objects.exclude(session__year=year)
        for other, score in index.nearest(vector, limit=PER_PROPOSAL, proposals=others, embedder=embedder):
            if score >= embedder.bands.review:
                found.append((pk, other, score))
    return _store(found, embedder)


def suggest_all(embedder=None, progress=None):
    """Look for pairs among every embedded proposal: exact, in blocks of BLOCK rows against all the others.

    Memory: the float32 matrix of every vector (154 MB at 100,000) and one block of scores (100 MB); this is
    the command's work, not a web worker's.
    """
    embedder = embedder or embedding.backend()
    rows = list(ProposalVector.objects.filter(model=embedder.name).order_by("proposal_id").values_list(
        "proposal_id", "proposal__session__year", "vector"))
    if len(rows) < 2:
        return 0
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    years = np.array([row[1] for row in rows], dtype=np.int32)
    matrix = np.vstack([store.from_bytes(row[2], embedder.dim) for row in rows]).astype(np.float32)
    del rows
    threshold, made = embedder.bands.review, 0
    keep = min(PER_PROPOSAL, len(ids) - 1)
    for start in range(0, len(ids), BLOCK):
        scores = matrix[start:start + BLOCK] @ matrix.T
        scores[years[start:start + BLOCK, None] == years[None, :]] = -1.0  # the same year, and itself
        best = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        found = []
        for offset, columns in enumerate(best):
            for column in columns:
                score = float(scores[offset, column])
                if score >= threshold:
                    found.append((int(ids[start + offset]), int(ids[column]), score))
        made += _store(found, embedder)
        if progress is not None:
            progress(min(start + BLOCK, len(ids)))
    return made


@transaction.atomic
def decide(suggestion, state, user):
    """Confirm (link the two as related) or dismiss a suggestion; either is final for that pair."""
    suggestion.state = state
    suggestion.decided_by = user if getattr(user, "pk", None) else None
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])
    if state == PairSuggestion.State.CONFIRMED:
        suggestion.first.related.add(suggestion.second)  # symmetrical: each lists the other


@transaction.atomic
def link(proposal, other, user):
    """An editor links two proposals as the same idea from a suggestion on the proposal's page."""
    proposal.check_related([other])
    proposal.related.add(other)
    first, second = sorted([proposal.pk, other.pk])
    PairSuggestion.objects.update_or_create(
        first_id=first, second_id=second,
        defaults={"state": PairSuggestion.State.CONFIRMED, "decided_by": user if getattr(user, "pk", None) else None,
                  "decided_at": timezone.now()},
        create_defaults={"state": PairSuggestion.State.CONFIRMED, "score": 0.0, "model": embedding.backend().name,
                         "decided_by": user if getattr(user, "pk", None) else None, "decided_at": timezone.now()},
    )


def decided_pairs(proposal_id):
    """The pairs of this proposal an editor has dismissed: not suggested on its page again."""
    dismissed = PairSuggestion.objects.filter(Q(first_id=proposal_id) | Q(second_id=proposal_id),
                                              state=PairSuggestion.State.DISMISSED)
    return {second if first == proposal_id else first for first, second in dismissed.values_list("first_id",
                                                                                                  "second_id")}
