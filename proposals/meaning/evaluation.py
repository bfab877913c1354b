"""How well search by meaning finds the proposal a reader means, against the lexical stand-in and full-text search.

The set is `evaluation.json`: paraphrased queries for each 2020 proposal (found by slug in the database the
command runs on, normally the 2020 data of `load_seed`), and same-idea / different-idea pairs. For each
method: top-1 and top-5 accuracy (the right proposal first, or among the first five) and the mean reciprocal
rank; for the embedders, how often the same idea in another year scores above a different idea of its theme.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction

from proposals.models import Proposal

from . import embedding, similar, store

SET = Path(__file__).with_name("evaluation.json")
METHODS = {"meaning": "e5", "lexical fallback": "lexical", "full-text search": None}


def load():
    return json.loads(SET.read_text(encoding="utf-8"))


@dataclass
class Scores:
    queries: int
    top1: float
    top5: float
    mrr: float
    found: int  # queries for which the method returned the right proposal at all


def _scores(ranks):
    if not ranks:
        return Scores(0, 0.0, 0.0, 0.0, 0)
    return Scores(
        queries=len(ranks),
        top1=sum(1 for rank in ranks if rank == 1) / len(ranks),
        top5=sum(1 for rank in ranks if rank and rank <= 5) / len(ranks),
        mrr=sum(1 / rank for rank in ranks if rank) / len(ranks),
        found=sum(1 for rank in ranks if rank),
    )


def _ranked(method, text, corpus):
    embedder_name = METHODS[method]
    if embedder_name is None:
        return list(corpus.ranked(text).values_list("pk", flat=True))
    with embedding.using(embedder_name):
        return [pk for pk, _score in similar.to_text(text, limit=corpus.count(), proposals=corpus)]


def ensure_vectors(corpus):
    """The corpus' vectors by every embedder compared, computed where missing (as a save would)."""
    for embedder_name in {name for name in METHODS.values() if name}:
        with embedding.using(embedder_name) as embedder:
            store.write_vectors(store.stale_rows(corpus, embedder), embedder)


def search_quality(corpus=None, languages=None):
    """{method: Scores} over the queries (optionally of some languages only) whose proposal is in the corpus."""
    corpus = corpus if corpus is not None else Proposal.objects.published()
    by_slug = dict(corpus.values_list("slug", "pk"))
    ensure_vectors(corpus)
    results = {}
    for method in METHODS:
        ranks = []
        for slug, queries in load()["queries"].items():
            if slug not in by_slug:
                continue
            for query in queries:
                if languages and query["language"] not in languages:
                    continue
                ranked = _ranked(method, query["text"], corpus)
                ranks.append(ranked.index(by_slug[slug]) + 1 if by_slug[slug] in ranked else None)
        results[method] = _scores(ranks)
    return results


def english_only_quality(corpus):
    """{method: Scores} of the Chinese queries against the proposals' English alone: cross-language search.

    The 2020 proposals carry Chinese titles and translated Chinese summaries, which a Chinese query could
    match directly; here they are set aside inside a transaction that is rolled back, vectors included.
    """
    with transaction.atomic():
        english = Proposal.objects.filter(pk__in=list(corpus.values_list("pk", flat=True)))
        english.update(title_zh="", summary_zh="")
        scores = search_quality(english, languages={"zh", "zh-Hant"})
        transaction.set_rollback(True)
    return scores


def pair_text(fields):
    return store.proposal_text({name: fields.get(name, "") for name in store.TEXT_FIELDS})


def chinese_only(fields):
    return {name: value for name, value in fields.items() if name.endswith("_zh")}


def pair_ordering(embedder_name, *, same_in_chinese_only=False):
    """(share of pairs where the same idea scores above the different idea, [(same, different)] scores).

    `same_in_chinese_only`: the same idea by its Chinese text alone, against the others' English (the pairs
    that have Chinese text).
    """
    pairs = load()["pairs"]
    if same_in_chinese_only:
        pairs = [{**pair, "same_idea": chinese_only(pair["same_idea"])} for pair in pairs
                 if chinese_only(pair["same_idea"])]
    with embedding.using(embedder_name) as embedder:
        scored = []
        for pair in pairs:
            vectors = embedder.embed([pair_text(pair[key]) for key in ("proposal", "same_idea", "different_idea")])
            scored.append((float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])))
    share = float(np.mean([same > different for same, different in scored])) if scored else 0.0
    return share, scored


def report(corpus=None):
    """The table the evaluation command prints, as lines."""
    corpus = corpus if corpus is not None else Proposal.objects.published()
    everything = search_quality(corpus)
    chinese = search_quality(corpus, languages={"zh", "zh-Hant"})
    across = english_only_quality(corpus)
    translated = corpus.exclude(summary_zh="").count()
    lines = [
        f"Evaluation set: {everything['meaning'].queries} queries over {corpus.count()} proposals "
        f"({chinese['meaning'].queries} in Chinese; {translated} of the proposals have a Chinese summary)",
        "zh: the Chinese queries; zh→en: the same queries with the proposals' Chinese title and summary set aside",
        "",
        f"{'method':<20} {'top-1':>6} {'top-5':>6} {'MRR':>6} {'found':>6}   {'zh top-1':>8} {'zh top-5':>8}"
        f"   {'zh→en top-1':>11} {'zh→en top-5':>11}",
    ]
    for method, scores in everything.items():
        zh, cross = chinese[method], across[method]
        lines.append(f"{method:<20} {scores.top1:>6.2f} {scores.top5:>6.2f} {scores.mrr:>6.2f} "
                     f"{scores.found:>6}   {zh.top1:>8.2f} {zh.top5:>8.2f}   {cross.top1:>11.2f} {cross.top5:>11.2f}")
    lines.append("")
    lines.append("same idea, other year ranked above a different idea of the same theme:")
    for method, embedder_name in METHODS.items():
        if embedder_name is None:
            continue
        for label, chinese_alone in (("", False), (", same idea in Chinese only", True)):
            share, scored = pair_ordering(embedder_name, same_in_chinese_only=chinese_alone)
            same = [pair[0] for pair in scored]
            different = [pair[1] for pair in scored]
            lines.append(f"  {method + label:<46} {share:>5.0%} of {len(scored):>2} pairs (same idea "
                         f"{min(same):.2f}-{max(same):.2f}, different idea {min(different):.2f}-{max(different):.2f})")
    if embedding.load_failure():
        lines.append(f"NOTE: the model could not load ({embedding.load_failure()}); 'meaning' used the lexical "
                     "stand-in.")
    return lines
