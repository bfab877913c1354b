"""`include=`: the objects a page of proposals points at, embedded, one query per kind for the whole page.

Each kind is read for every proposal on the page at once, so a page of 500 costs what a page of 5 costs. The
objects carry what a client shows without a second request (id, slug, names, address); their full records,
and their own sync, are in their lists.
"""

from proposals.models import Proposal, ProposalSource, Session, Sponsorship

EMBEDDED = ("sponsors", "themes", "session", "sources", "related")
INCLUDES = ("timeline", *EMBEDDED)
ThemeLink = Proposal.themes.through
RelatedLink = Proposal.related.through


def _sponsors(ids, links, using):
    rows = Sponsorship.objects.using(using).filter(proposal_id__in=ids).order_by("-is_lead", "order", "id").values(
        "proposal_id", "is_lead", "delegate_id", "delegate__slug", "delegate__name_en", "delegate__name_zh",
        "delegate__name_pinyin")
    return [(row["proposal_id"], {
        "id": row["delegate_id"], "slug": row["delegate__slug"], "url": links.of("delegate", row["delegate__slug"]),
        "name_en": row["delegate__name_en"], "name_zh": row["delegate__name_zh"],
        "name_pinyin": row["delegate__name_pinyin"], "lead": row["is_lead"]}) for row in rows]


def _themes(ids, links, using):
    rows = ThemeLink.objects.using(using).filter(proposal_id__in=ids).order_by("theme__slug").values(
        "proposal_id", "theme_id", "theme__slug", "theme__name_en", "theme__name_zh")
    return [(row["proposal_id"], {
        "id": row["theme_id"], "slug": row["theme__slug"], "url": links.of("theme", row["theme__slug"]),
        "name_en": row["theme__name_en"], "name_zh": row["theme__name_zh"]}) for row in rows]


def _sources(ids, links, using):
    rows = ProposalSource.objects.using(using).filter(proposal_id__in=ids).order_by("source_id").values(
        "proposal_id", "source_id", "source__url", "source__title", "source__publisher", "source__published_on")
    return [(row["proposal_id"], {
        "id": row["source_id"], "url": links.of("source", row["source_id"]), "source_url": row["source__url"],
        "title": row["source__title"], "publisher": row["source__publisher"],
        "published_on": row["source__published_on"]}) for row in rows]


def _related(ids, links, using):
    rows = RelatedLink.objects.using(using).filter(from_proposal_id__in=ids, to_proposal__published=True).order_by(
        "to_proposal_id").values("from_proposal_id", "to_proposal_id", "to_proposal__slug", "to_proposal__title_en",
                                 "to_proposal__title_zh")
    return [(row["from_proposal_id"], {
        "id": row["to_proposal_id"], "slug": row["to_proposal__slug"], "url": links.of("proposal",
                                                                                       row["to_proposal_id"]),
        "title_en": row["to_proposal__title_en"], "title_zh": row["to_proposal__title_zh"]}) for row in rows]


MANY = {"sponsors": _sponsors, "themes": _themes, "sources": _sources, "related": _related}


def session_object(row, links):
    return {"id": row["id"], "slug": row["slug"], "url": links.of("session", row["slug"]), "name_en": row["name_en"],
            "name_zh": row["name_zh"], "year": row["year"], "body": row["body__slug"]}


def attach(items, session_ids, includes, links, using=None):
    """Add the `embedded` objects `includes` names to each proposal dict (the timeline is representations').

    `session_ids` maps each proposal id to its session's id. One query per included kind, whatever the page size.
    """
    wanted = [kind for kind in EMBEDDED if kind in includes]
    if not wanted:
        return
    by_id = {item["id"]: item for item in items}
    for item in items:
        item["embedded"] = {kind: [] for kind in wanted if kind != "session"}
    if not by_id:
        return
    for kind in wanted:
        if kind == "session":
            sessions = {row["id"]: session_object(row, links) for row in Session.objects.using(using).filter(
                pk__in=set(session_ids.values())).values("id", "slug", "name_en", "name_zh", "year", "body__slug")}
            for item in items:
                item["embedded"]["session"] = sessions.get(session_ids.get(item["id"]))
            continue
        for proposal_id, embedded in MANY[kind](list(by_id), links, using):
            by_id[proposal_id]["embedded"][kind].append(embedded)
