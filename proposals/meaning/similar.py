"""What reads like this? Similar proposals to a proposal or to typed words, for the pages, the API and the admin.

Results are (proposal id, score) pairs, best first, drawn only from the queryset the caller passes (readers:
the published proposals). The score is the cosine similarity of the two vectors; `band` says in words how
close that is for the embedder that made them.
"""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from proposals.models import Proposal, Sponsorship

from . import embedding, index, store

BAND_LABELS = {"very_close": _("very close"), "close": _("close"), "related": _("related")}
MAX_LIMIT = 50


def to_proposal(proposal, *, limit, proposals, min_band="related"):
    """[(id, score)] of the proposals nearest this one (never itself), at or above the embedder's `min_band`."""
    embedder = embedding.backend()
    vector = store.vector_of(proposal.pk, embedder)
    if vector is None:
        return []
    floor = getattr(embedder.bands, min_band) if min_band else -1.0
    found = index.nearest(vector, limit=limit, proposals=proposals, exclude=[proposal.pk], embedder=embedder)
    return [(pk, score) for pk, score in found if score >= floor]


def to_text(text, *, limit, proposals):
    """[(id, score)] of the proposals nearest what was typed, in either language: a reader's words or a whole
    proposal's text (a new one an editor is entering)."""
    text = (text or "").strip()
    if not text:
        return []
    embedder = embedding.backend()
    vector = embedder.embed([text])[0]
    return index.nearest(vector, limit=limit, proposals=proposals, embedder=embedder)


def band(score, embedder=None):
    return (embedder or embedding.backend()).bands.band(score)


@dataclass(frozen=True)
class Match:
    """One similar proposal as a page shows it: the proposal (with its session), its lead sponsor, the score."""

    proposal: Proposal
    score: float
    band: str
    lead_en: str
    lead_zh: str

    @property
    def band_label(self):
        return BAND_LABELS.get(self.band, "")

    @property
    def lead(self):
        from proposals.bilingual import in_language, reader_prefers_chinese

        return in_language(self.lead_en or "", self.lead_zh or "", reader_prefers_chinese())[0]


def matches(found):
    """Match objects for [(id, score)] in that order: one query, with session, body and lead sponsor's names."""
    if not found:
        return []
    lead = Sponsorship.objects.filter(proposal=OuterRef("pk"), is_lead=True)
    rows = Proposal.objects.filter(pk__in=[pk for pk, _score in found]).select_related("session__body").annotate(
        lead_en=Subquery(lead.values("delegate__name_en")[:1]), lead_zh=Subquery(lead.values("delegate__name_zh")[:1]),
    )
    by_pk = {row.pk: row for row in rows}
    embedder = embedding.backend()
    return [Match(by_pk[pk], score, embedder.bands.band(score) or "", by_pk[pk].lead_en, by_pk[pk].lead_zh)
            for pk, score in found if pk in by_pk]


PAGE_LIMIT = 6


def for_page(proposal, limit=PAGE_LIMIT):
    """The "Similar proposals" of a proposal's page: published ones only, other sessions first, closest first in
    each group, above the embedder's "related" band. What the page shows of them (one query) is kept per data
    version, in either language (a Match gives the lead sponsor's name in the reader's)."""
    from tracker.caching import cached_piece

    def compute():
        shown = matches(to_proposal(proposal, limit=limit * 2, proposals=Proposal.objects.published()))
        shown.sort(key=lambda match: match.proposal.session_id == proposal.session_id)  # stable: best first in each
        return shown[:limit]

    return cached_piece("similar-proposals", proposal.pk, embedding.backend().name, limit, compute=compute)
