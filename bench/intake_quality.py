"""Intake quality and speed: python bench/intake_quality.py [SEED_REPORT]

Reads, in a scratch SQLite database holding the 2020 data file's bodies, sessions, themes, companies and
delegates (not its proposals), the seed report and the test reports of tests/intake_reports/, and prints for
each: the data file's (or the expected file's) proposals found with their sponsor, drafts not expected,
whether every quote is an exact substring, delegates and companies matched. Then the time to read a
10,000-word report. Nothing outside the scratch database is written.
"""

import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = Path(tempfile.mkdtemp()) / "intake_bench.sqlite3"
os.environ.update(DJANGO_SETTINGS_MODULE="tracker.settings", DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{SCRATCH}")
os.environ.setdefault("MEANING_MODEL", "lexical")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

REPORTS = ROOT / "tests" / "intake_reports"


def setup():
    from proposals import seed
    from proposals.models import Body, Session

    call_command("migrate", verbosity=0)
    data = seed.read(seed.DEFAULT_PATH)
    seed.load({key: data[key] for key in ["bodies", "sessions", "themes", "sources", "companies", "delegates"]})
    for slug, opened in (("npc", datetime.date(2021, 3, 5)), ("cppcc", datetime.date(2021, 3, 4))):
        Session.objects.get_or_create(slug=f"{slug}-2021", defaults={
            "body": Body.objects.get(slug=slug), "term": 13, "number": 4, "year": 2021, "name_en": f"{slug} 2021",
            "opened_on": opened, "closed_on": opened + datetime.timedelta(days=7)})
    return data


def expected_as_data(expected, data):
    """A test report's expected results in the data file's shape, for quality.compare."""
    from people.models import Delegate

    delegates = []
    for name, slug in expected["delegates"].items():
        known = Delegate.objects.filter(slug=slug).first() if slug else None
        delegates.append({"slug": slug or name, "name_en": name, "name_zh": known.name_zh if known else "",
                          "other_names": known.other_names if known else ""})
    proposals = [{"slug": f"{item['sponsor']}-{index}", "sponsors": [expected["delegates"][item["sponsor"]]
                                                                      or item["sponsor"]],
                  "summary_en": " ".join(item["words"] * 3)} for index, item in enumerate(expected["proposals"])]
    companies = [{"slug": slug} for slug in expected["companies"].values() if slug]
    return {"delegates": delegates, "proposals": proposals, "companies": companies}


def figures(path, data):
    from proposals.intake import quality, reading

    text = path.read_text(encoding="utf-8")
    result = reading.read(text).as_json()
    result["_text"] = text
    return quality.compare(result, data)


def main():
    data = setup()
    seed_report = Path(sys.argv[1]) if len(sys.argv) > 1 else REPORTS / "seed_2020_report.txt"
    rows = []
    if seed_report.exists():
        rows.append((seed_report.name, figures(seed_report, data)))
    expected = json.loads((REPORTS / "expected.json").read_text(encoding="utf-8"))
    for name, wanted in expected.items():
        rows.append((name, figures(REPORTS / name, expected_as_data(wanted, data))))
    columns = ["proposals in file", "found with sponsor", "drafts not in file", "drafts without delegate",
               "quotes exact", "delegates matched", "companies matched"]
    print("| report | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in rows:
        print(f"| {name} | " + " | ".join(str(row[column]) for column in columns) + " |")
        if row["missed"]:
            print(f"  missed: {', '.join(row['missed'])}")
    timing(seed_report)


def timing(seed_report):
    from proposals.intake import reading

    base = seed_report.read_text(encoding="utf-8") if seed_report.exists() else \
        (REPORTS / "lei_ding_2021.txt").read_text(encoding="utf-8")
    words = len(base.split())
    long_text = "\n\n".join([base] * (10_000 // words + 1))
    reading.read(base)  # libraries loaded once, as in a running server
    started = time.perf_counter()
    result = reading.read(long_text)
    elapsed = time.perf_counter() - started
    print(f"\nReading a {len(long_text.split()):,}-word report ({len(long_text):,} characters): {elapsed:.2f} s, "
          f"{len(result.proposals)} drafts (target < 10 s)")


if __name__ == "__main__":
    main()
