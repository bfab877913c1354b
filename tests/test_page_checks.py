"""Every kind of reader page, in both languages, passes axe (in Chromium) and the Nu Html Checker with 0 findings.

The checkers are the projects' own releases, pinned in tests/a11y/package.json; `make test` installs them with
npm (`npm ci --prefix tests/a11y`). Without them, or without Java for the Nu checker, these tests are skipped
saying how to get them, unless TRACKER_REQUIRE_BROWSER is set (as .ci/run does): then they fail.
"""

import datetime
import io
import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from people.models import Company, Delegate
from proposals import seed, synthetic
from proposals.models import Authority, Proposal, Session, Theme

from .test_browser import REQUIRE_BROWSER

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECKERS = Path(__file__).resolve().parent / "a11y" / "node_modules"
AXE = CHECKERS / "axe-core" / "axe.min.js"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
HOW_TO_GET = "run `npm ci --prefix tests/a11y` (and install Java for the Nu checker)"
LANGUAGES = ("en", "zh-hans")


def needed(path, what):
    if path.is_file() and (path != VNU or shutil.which("java")):
        return path
    message = f"No {what} ({path.name} or Java missing). To run these checks, {HOW_TO_GET}."
    if os.environ.get(REQUIRE_BROWSER, "").strip().lower() not in {"", "0", "false", "no", "off"}:
        pytest.fail(f"{message} {REQUIRE_BROWSER} is set, so they may not be skipped.", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def site_pages(transactional_db):
    """The 2020 data beside 200 synthetic proposals with whole timelines: one address of every kind of page."""
    seed.load(seed.read(seed.DEFAULT_PATH))
    synthetic.Seeder(synthetic.Scale(proposals=200, delegates=60, companies=10, years=3, sources=20),
                     seed=7, today=datetime.date(2026, 11, 1), stderr=io.StringIO()).run()
    replied = Proposal.objects.filter(status="feedback", slug__startswith=synthetic.SLUG_PREFIX).first()
    real = Proposal.objects.exclude(slug__startswith=synthetic.SLUG_PREFIX).first()
    return {
        "home": reverse("proposals:home"),
        "themes": reverse("proposals:theme_list"),
        "theme": Theme.objects.filter(proposals__isnull=False).first().get_absolute_url(),
        "list": reverse("proposals:proposal_list") + "?body=npc&theme=nope&page=2",
        "search": reverse("proposals:search") + "?q=satellite",
        "proposal": replied.get_absolute_url(),
        "proposal-2020": real.get_absolute_url(),
        "sessions": reverse("proposals:session_list"),
        "session": Session.objects.first().get_absolute_url(),
        "authorities": reverse("proposals:authority_list"),
        "authority": Authority.objects.filter(status_events__isnull=False).first().get_absolute_url(),
        "delegates": reverse("people:delegate_list"),
        "delegate": Delegate.objects.filter(sponsorships__isnull=False).first().get_absolute_url(),
        "companies": reverse("people:company_list"),
        "company": Company.objects.first().get_absolute_url(),
        "follow": reverse("follow:search") + "?theme=5g",
        "source": reverse("proposals:source_text", args=[_source_with_text().pk]) + "?from=0&to=40#quote",
        "missing": "/proposals/999999/nothing/",
    }


def _source_with_text():
    """The 2020 report, with a text to show: the page a citation's quote opens at."""
    from proposals.models import Source

    source = Source.objects.exclude(publisher=synthetic.SYNTHETIC_PUBLISHER).first()
    source.text = "Lei Jun proposed putting satellite internet into the national plan. " * 3
    source.save()
    return source


def test_axe_finds_no_violation_on_any_page(live_server, browser, site_pages):
    script = needed(AXE, "axe-core").read_text()
    found = {}
    for language in LANGUAGES:
        # The site's CSP runs no inline script; the checker is injected past it, as a browser extension would be.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        for name, url in site_pages.items():
            page.goto(live_server.url + url)
            page.add_script_tag(content=script)
            result = page.evaluate("async () => (await axe.run(document)).violations"
                                   ".map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)")
            if result:
                found[f"{name} ({language})"] = result
        context.close()
    assert not found, "\n".join(f"{page}: {', '.join(rules)}" for page, rules in found.items())


def test_the_nu_checker_finds_no_error_on_any_page(live_server, site_pages, tmp_path):
    checker = needed(VNU, "Nu Html Checker")
    for language in LANGUAGES:
        for name, url in site_pages.items():
            request = urllib.request.Request(live_server.url + url, headers={"Cookie": f"django_language={language}"})
            try:
                html = urllib.request.urlopen(request).read()
            except urllib.error.HTTPError as error:  # the 404 page is checked as the reader gets it
                html = error.read()
            (tmp_path / f"{name}-{language}.html").write_bytes(html)
    run = subprocess.run(["java", "-jar", str(checker), "--errors-only", "--format", "json", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    found = sorted({(Path(m.get("url", "")).name.rsplit("-", 1)[0], m["message"]) for m in messages})
    assert not found, "\n".join(f"{page}: {message}" for page, message in found)
