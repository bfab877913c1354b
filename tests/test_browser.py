"""A reader in real headless Chromium: home → theme → proposal and its timeline → Chinese → a feed.

Screenshots of the main pages at desktop and phone widths go to test-artifacts/ for a human to look at.
They drive the `chromium` (or `chromium-browser`) on PATH, or the one CHROMIUM_PATH names; `make test` installs
Debian's chromium first where it can (tests/install_chromium.sh). Without a Chromium these tests are skipped,
saying how to run them, unless TRACKER_REQUIRE_BROWSER is set (as .ci/run does): then they fail.
"""

import datetime
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
from proposals.models import Body
from proposals.services import record_status

from . import factories

# Playwright's sync API runs an event loop in this thread; the ORM calls made here are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
D = datetime.date


REQUIRE_BROWSER = "TRACKER_REQUIRE_BROWSER"
HOW_TO_RUN = "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable"
ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "tests" / "install_chromium.sh"


def find_chromium(environ):
    """(the Chromium to drive, None), or (None, why there is none)."""
    chosen = environ.get("CHROMIUM_PATH")
    if chosen:
        if Path(chosen).is_file() and os.access(chosen, os.X_OK):
            return chosen, None
        return None, f"CHROMIUM_PATH is {chosen}, which is not an executable file"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name, path=environ.get("PATH", os.defpath))
        if found:
            return found, None
    return None, "there is no chromium or chromium-browser on PATH"


def chromium_path(environ=os.environ):
    """The Chromium to drive; without one, skip the browser tests, or fail them where a browser is required."""
    found, missing = find_chromium(environ)
    if found:
        return found
    message = f"No Chromium for the browser tests: {missing}. To run them, {HOW_TO_RUN}."
    if environ.get(REQUIRE_BROWSER, "").strip().lower() not in {"", "0", "false", "no", "off"}:
        pytest.fail(f"{message} {REQUIRE_BROWSER} is set, so they may not be skipped.", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def tracked(transactional_db):
    """The 2020 story in miniature: two founders, their proposals, one answered and one overdue."""
    session = factories.session(slug="cppcc-2020", body=factories.body(kind=Body.Kind.CONFERENCE),
                                name_en="3rd Session of the 13th CPPCC National Committee",
                                name_zh="全国政协十三届三次会议", opened_on=D(2020, 5, 21), closed_on=D(2020, 5, 27))
    five_g = factories.theme(slug="5g", name_en="5G", name_zh="5G", description="Fifth-generation mobile networks.")
    education = factories.theme(slug="education", name_en="Education", name_zh="教育")
    person = factories.delegate(slug="yu-minhong", name_en="Yu Minhong", name_zh="俞敏洪",
                                bio="Founder and chairman of New Oriental; CPPCC National Committee member.")
    company = factories.company(slug="new-oriental", name_en="New Oriental", name_zh="新东方", sector="Education")
    factories.affiliation(delegate=person, company=company, position="chairman", position_zh="董事长")
    factories.membership(delegate=person, body=factories.body(kind=Body.Kind.CONFERENCE), role="member")
    ministry = factories.authority(slug="moe", name_en="Ministry of Education", name_zh="教育部", abbreviation="MOE")
    cited = factories.source(title="What tech tycoons brought to the Two Sessions", publisher="KrASIA")

    answered = factories.proposal(
        sponsors=[person], themes=[five_g, education], session=session,
        title_en="Use 5G to close the education gap between urban and rural areas",
        title_zh="利用5G缩小城乡教育差距",
        summary_en="Cover rural schools with 5G and subsidise devices and data for pupils.",
    )
    record_status(answered, date=D(2020, 5, 21), status=Status.SUBMITTED, source=cited)
    record_status(answered, date=D(2020, 7, 2), status=Status.FILED, source=cited)
    record_status(answered, date=D(2020, 7, 20), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    record_status(answered, date=D(2020, 9, 30), status=Status.REPLIED, source=cited, authority=ministry,
                  reply_grade="B", reply_url="https://example.org/reply")
    record_status(answered, date=D(2020, 10, 15), status=Status.FEEDBACK, source=cited, verdict="satisfied")
    waiting = factories.proposal(
        sponsors=[person], themes=[five_g], session=session, title_en="Fiscal support for private 5G applications",
        summary_en="Public money for private 5G and AI applications in schools.",
    )
    record_status(waiting, date=D(2020, 5, 21), status=Status.SUBMITTED, source=cited)
    record_status(waiting, date=D(2020, 8, 1), status=Status.REFERRED, source=cited, authority=ministry,
                  handling_role=HandlingRole.LEAD)
    for index in range(8):
        factories.proposal(sponsors=[person], themes=[education], session=session,
                           title_en=f"Coding in the curriculum, part {index + 1}")
    return {"theme": five_g, "answered": answered, "delegate": person}


def shoot(page, name, width):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_reader_follows_a_proposal_switches_language_and_subscribes(live_server, browser, tracked):
    page = browser.new_page(viewport=WIDTHS["desktop"])
    page.goto(live_server.url + reverse("proposals:home"))
    assert page.get_by_role("heading", level=1).is_visible()

    page.get_by_role("link", name="5G", exact=True).first.click()
    page.wait_for_url(f"**{tracked['theme'].get_absolute_url()}")
    assert page.get_by_role("img", name="Proposals on 5G by status, per session year").is_visible()

    page.get_by_role("link", name="Use 5G to close the education gap between urban and rural areas").click()
    stages = page.get_by_role("list", name="Stages")
    assert stages.is_visible() and stages.get_by_role("listitem").count() == 7
    assert "Replied" in stages.locator("[aria-current=step]").inner_text()
    assert page.locator(".event").count() == 5
    assert "B: being solved or planned" in page.locator(".events").inner_text()

    # With JavaScript on, choosing a language switches at once.
    page.get_by_label("Language").select_option("zh-hans")
    page.wait_for_selector("html[lang='zh-Hans']")
    assert page.get_by_role("heading", level=1).inner_text() == "利用5G缩小城乡教育差距"
    assert page.get_by_role("heading", name="时间线").is_visible()

    feed_link = page.get_by_role("link", name="关注本提案（Atom 订阅）")
    feed = page.request.get(live_server.url + feed_link.get_attribute("href"))
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert "<entry>" in feed.text() and "利用5G缩小城乡教育差距" in feed.text()
    page.close()


def test_language_switch_and_filters_work_without_javascript(live_server, browser, tracked):
    context = browser.new_context(java_script_enabled=False, viewport=WIDTHS["phone"])
    page = context.new_page()
    page.goto(live_server.url + reverse("proposals:proposal_list"))
    page.get_by_label("Theme").select_option("5g")
    page.get_by_role("button", name="Show proposals").click()
    assert "theme=5g" in page.url
    assert page.locator(".proposal-card").count() == 2
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_selector("html[lang='zh-Hans']")
    assert "theme=5g" in page.url  # back on the same filtered list
    assert page.get_by_role("button", name="显示提案").is_visible()
    context.close()


def test_a_reader_types_a_delegate_name_to_filter_and_follows_a_delegate_link(live_server, browser, tracked):
    context = browser.new_context(java_script_enabled=False, viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.goto(live_server.url + reverse("proposals:proposal_list"))
    page.get_by_label("Delegate").fill("俞敏洪")
    page.get_by_role("button", name="Show proposals").click()
    assert page.locator(".proposal-card").count() == 10  # all of Yu Minhong's
    # A link that passes the slug shows the delegate's name in the field.
    page.goto(live_server.url + reverse("proposals:proposal_list") + "?delegate=yu-minhong")
    assert page.get_by_label("Delegate").input_value() == "Yu Minhong"
    assert page.locator(".proposal-card").count() == 10
    page.get_by_label("Delegate").fill("Nobody")
    page.get_by_role("button", name="Show proposals").click()
    assert page.locator(".proposal-card").count() == 0
    context.close()


def test_keyboard_reader_meets_the_skip_link_first(live_server, browser, tracked):
    page = browser.new_page(viewport=WIDTHS["desktop"])
    page.goto(live_server.url + reverse("proposals:home"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    # Following an in-page link is asynchronous: wait (at most 5 s) for the address to take the fragment.
    page.wait_for_function("location.hash === '#content'", timeout=5000)
    assert page.url.endswith("#content")
    page.close()


def test_screenshots_of_the_main_pages(live_server, browser, tracked):
    pages = {
        "home": reverse("proposals:home"),
        "theme": tracked["theme"].get_absolute_url(),
        "proposal": tracked["answered"].get_absolute_url(),
        "list": reverse("proposals:proposal_list") + "?theme=5g",
        "authorities": reverse("proposals:authority_list"),
        "delegates": reverse("people:delegate_list"),
        "delegate": tracked["delegate"].get_absolute_url(),
    }
    taken = []
    for language, suffix in (("en", ""), ("zh-hans", "-zh")):
        for width, viewport in WIDTHS.items():
            context = browser.new_context(viewport=viewport)
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            page = context.new_page()
            for name, url in pages.items():
                response = page.goto(live_server.url + url)
                assert response.status == 200, url
                # Nothing may stick out sideways on a phone: the page is no wider than the screen.
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (name, width)
                taken.append(shoot(page, name + suffix, width))
            context.close()
    assert all(path.stat().st_size > 10_000 for path in taken)


# Finding Chromium, and what happens without one. These need no database: the function-level mark only keeps
# them off the module's transactional one, which would empty every table after each of them.

def executable(path, script="exit 0"):
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


@pytest.mark.django_db
def test_chromium_path_or_the_path_lookup_finds_the_browser(tmp_path):
    named = executable(tmp_path / "my-chromium")
    assert chromium_path({"CHROMIUM_PATH": str(named), "PATH": ""}) == str(named)
    (tmp_path / "bin").mkdir()
    on_path = executable(tmp_path / "bin" / "chromium-browser")
    assert chromium_path({"PATH": str(tmp_path / "bin")}) == str(on_path)


@pytest.mark.django_db
@pytest.mark.parametrize("setting", [None, "", "0", "false"])
def test_without_chromium_the_browser_tests_are_skipped_saying_how_to_run_them(tmp_path, setting):
    hidden = {"PATH": str(tmp_path)} | ({} if setting is None else {REQUIRE_BROWSER: setting})
    with pytest.raises(pytest.skip.Exception) as skipped:
        chromium_path(hidden)
    assert "no chromium or chromium-browser on PATH" in str(skipped.value) and HOW_TO_RUN in str(skipped.value)
    # A CHROMIUM_PATH that names nothing is reported as such, not replaced by another browser.
    with pytest.raises(pytest.skip.Exception) as skipped:
        chromium_path({**hidden, "CHROMIUM_PATH": str(tmp_path / "absent"), "PATH": os.environ.get("PATH", "")})
    assert f"CHROMIUM_PATH is {tmp_path / 'absent'}" in str(skipped.value)


@pytest.mark.django_db
def test_where_a_browser_is_required_a_missing_chromium_fails(tmp_path):
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium_path({"PATH": str(tmp_path), REQUIRE_BROWSER: "1"})
    assert "no chromium" in str(failed.value) and REQUIRE_BROWSER in str(failed.value)
    assert HOW_TO_RUN in str(failed.value)


def run_browser_tests(**environ):
    """This module's browser tests in a pytest of their own, with `environ` added to the environment.

    On SQLite, without migrations, whatever the outer run uses: they only need to get as far as their skip.
    """
    tests = [f"tests/test_browser.py::{name}" for name, test in globals().items()
             if name.startswith("test_") and "browser" in inspect.signature(test).parameters]
    assert len(tests) == 5
    inherited = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", REQUIRE_BROWSER}}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nomigrations", *tests],
        cwd=ROOT, env={**inherited, **environ}, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.django_db
def test_a_run_without_chromium_skips_the_browser_tests_and_says_so_once(tmp_path):
    run = run_browser_tests(CHROMIUM_PATH=str(tmp_path / "absent"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 skipped" in run.stdout
    loud = [line for line in run.stdout.splitlines() if "5 browser tests skipped" in line]
    assert len(loud) == 1 and HOW_TO_RUN in loud[0], run.stdout


@pytest.mark.django_db
def test_a_run_that_requires_the_browser_fails_without_chromium(tmp_path):
    run = run_browser_tests(CHROMIUM_PATH=str(tmp_path / "absent"), **{REQUIRE_BROWSER: "1"})
    assert run.returncode == 1, run.stdout + run.stderr
    final = run.stdout.splitlines()[-1]
    assert "5 errors" in final and "skipped" not in final, run.stdout
    assert f"{REQUIRE_BROWSER} is set" in run.stdout


# The installer `make test` runs first, with stand-ins for id and apt-get that note how they were called.

def installer(tmp_path, *, uid="0", apt_get="exit 0", chromium=False):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    calls = tmp_path / "calls"
    executable(stubs / "id", f"echo {uid}")
    if apt_get is not None:
        executable(stubs / "apt-get", f'echo "$DEBIAN_FRONTEND apt-get $*" >> {calls}\n{apt_get}')
    if chromium:
        executable(stubs / "chromium")
    run = subprocess.run(["/bin/sh", str(INSTALLER)], env={"PATH": str(stubs)}, capture_output=True, text=True,
                         timeout=60)
    return run, calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.django_db
def test_root_with_apt_get_installs_debians_chromium(tmp_path):
    run, calls = installer(tmp_path)
    assert run.returncode == 0
    assert calls == [" apt-get update -qq", "noninteractive apt-get install -y -qq chromium"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["chromium already there", "not root", "no apt-get", "install fails"])
def test_otherwise_the_installer_installs_nothing_and_never_fails(tmp_path, case):
    run, calls = installer(tmp_path, **{
        "chromium already there": {"chromium": True}, "not root": {"uid": "1000"}, "no apt-get": {"apt_get": None},
        "install fails": {"apt_get": "exit 100"},
    }[case])
    assert run.returncode == 0
    if case == "install fails":
        assert len(calls) == 1 and "failed: the browser tests will be skipped" in run.stderr
    else:
        assert calls == []
        assert ("will be skipped" in run.stderr) == (case != "chromium already there")
