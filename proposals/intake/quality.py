"""How well a reading matches what an editor expects: the figures bench/intake_quality.py prints and the tests
check. A draft matches a data-file proposal when its sponsor is that proposal's sponsor (by any of their
names) and it shares the most content words with that proposal's summary among the sponsor's proposals."""

from .asks import content_words


def sponsor_names(delegate_record):
    names = {delegate_record["name_en"], delegate_record.get("name_zh", "")}
    names.update(part.strip() for part in delegate_record.get("other_names", "").split(",") if part.strip())
    return {name for name in names if name}


def compare(result, data):
    """Figures for a reading (as_json()) against a data file's delegates, companies and proposals."""
    delegates = {record["slug"]: record for record in data["delegates"]}
    found_sponsors = {}
    for item in result["delegates"]:
        for slug, record in delegates.items():
            if (item["match"] and item["match"]["slug"] == slug) or item["name"] in sponsor_names(record):
                found_sponsors[item["key"]] = slug
    expected = data["proposals"]
    matched, taken = {}, set()
    for draft in result["proposals"]:
        slug = found_sponsors.get(draft["sponsor"])
        words = content_words(draft["summary"])
        best = None
        for index, proposal in enumerate(expected):
            if proposal["sponsors"][0] != slug or index in taken:
                continue
            wanted = content_words(proposal["summary_en"])
            score = len(words & wanted)
            if score >= min(3, len(wanted)) and (best is None or score > best[0]):
                best = (score, index)
        if best:
            matched[draft["key"]] = best[1]
            taken.add(best[1])
    text = result["_text"]
    companies = {record["slug"] for record in data["companies"]}
    return {
        "proposals in file": len(expected),
        "found with sponsor": len(taken),
        "drafts": len(result["proposals"]),
        "drafts not in file": len(result["proposals"]) - len(matched),
        "drafts without delegate": sum(1 for draft in result["proposals"]
                                       if draft["sponsor"] not in {item["key"] for item in result["delegates"]}),
        "quotes exact": all(text[draft["quote_start"]:draft["quote_end"]] == draft["quote"]
                            for draft in result["proposals"] + result["company_events"]),
        "delegates matched": f"{len(set(found_sponsors.values()))}/{len(delegates)}",
        "companies matched": "{}/{}".format(len({item["match"]["slug"] for item in result["companies"]
                                                 if item["match"] and item["match"]["slug"] in companies}),
                                            len(companies)),
        "missed": [expected[index]["slug"] for index in range(len(expected)) if index not in taken],
    }
