"""Theme suggestions for a proposal: from what the themes' descriptions say and from the themes of the proposals
nearest it, half each.

Theme vectors are embedded from each theme's names and description and kept in the cache (every worker
shares them with CACHE_URL), keyed on that text: a changed description is embedded again.
"""

import numpy as np
from django.core.cache import cache

from proposals.models import Proposal, Theme

from . import embedding, store

SUGGESTED = 3
NEIGHBOURS = 8


def theme_text(theme):
    return "\n".join(part for part in (theme.name_en, theme.name_zh, theme.description) if part)


def _theme_vectors(themes, embedder):
    texts = [theme_text(theme) for theme in themes]
    keys = [f"meaning:theme:{embedder.name}:{store.text_hash(text)}" for text in texts]
    found = cache.get_many(keys)
    missing = [index for index, key in enumerate(keys) if key not in found]
    if missing:
        vectors = embedder.embed([texts[index] for index in missing])
        cache.set_many({keys[index]: store.to_bytes(vector) for index, vector in zip(missing, vectors, strict=True)},
                       timeout=None)
        found.update({keys[index]: store.to_bytes(vector) for index, vector in zip(missing, vectors, strict=True)})
    return np.vstack([store.from_bytes(found[key], embedder.dim) for key in keys]).astype(np.float32)


def suggest(vector, neighbours, *, exclude=(), limit=SUGGESTED):
    """[(theme, score 0-1)] best first, leaving out the themes in `exclude` (the ones it has).

    `vector`: the proposal's; `neighbours`: [(proposal id, similarity)] of the proposals nearest it.
    """
    embedder = embedding.backend()
    themes = list(Theme.objects.only("pk", "slug", "name_en", "name_zh", "description"))
    if vector is None or not themes:
        return []
    by_description = _theme_vectors(themes, embedder) @ np.asarray(vector, dtype=np.float32)
    # Cosines of one embedder sit in a narrow range: rank them 0 (furthest) to 1 (closest) before mixing.
    spread = by_description.max() - by_description.min()
    by_description = (by_description - by_description.min()) / spread if spread > 0 else by_description * 0
    votes = np.zeros(len(themes))
    position = {theme.pk: index for index, theme in enumerate(themes)}
    weights = dict(neighbours[:NEIGHBOURS])
    if weights:
        links = Proposal.themes.through.objects.filter(proposal_id__in=weights).values_list("proposal_id", "theme_id")
        for proposal_id, theme_id in links:
            votes[position[theme_id]] += weights[proposal_id]
        total = sum(weights.values())
        votes = votes / total if total else votes
    scores = 0.5 * by_description + 0.5 * votes
    excluded = {getattr(theme, "pk", theme) for theme in exclude}
    ranked = sorted(((themes[index], float(scores[index])) for index in range(len(themes))
                     if themes[index].pk not in excluded), key=lambda pair: -pair[1])
    return [(theme, round(score, 2)) for theme, score in ranked[:limit] if score > 0]
