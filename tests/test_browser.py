"""A reader in real headless Chromium: home → theme → proposal and its timeline → Chinese → a feed.

Screenshots of the main pages at desktop and phone widths go to test-artifacts/ for a human to look at.
Set CHROMIUM_PATH to use another Chromium; without one these tests fail, saying so, rather than skip.
"""

import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from proposals.lifecycle import HandlingRole, Status
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


def chromium_path():
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("No Chromium found for the browser tests: install Debian's `chromium` or set CHROMIUM_PATH.")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def tracked(transactional_db):
    """The 2020 story in miniature: two founders, their proposals, one answered and one overdue."""
    session = factories.session(slug="cppcc-2020", name_en="3rd Session of the 13th CPPCC National Committee",
                                name_zh="全国政协十三届三次会议", opened_on=D(2020, 5, 21), closed_on=D(2020, 5, 27))
    five_g = factories.theme(slug="5g", name_en="5G", name_zh="5G", description="Fifth-generation mobile networks.")
    education = factories.theme(slug="education", name_en="Education", name_zh="教育")
    person = factories.delegate(slug="yu-minhong", name_en="Yu Minhong", name_zh="俞敏洪",
                                bio="Founder and chairman of New Oriental; CPPCC National Committee member.")
    company = factories.company(slug="new-oriental", name_en="New Oriental", name_zh="新东方", sector="Education")
    factories.affiliation(delegate=person, company=company, position="chairman", position_zh="董事长")
    factories.membership(delegate=person, role="member")
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
    timeline = page.get_by_role("img", name="Timeline of “Use 5G to close the education gap")
    assert timeline.is_visible()
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
    assert page.url.endswith("#content")
    page.close()


def test_screenshots_of_the_main_pages(live_server, browser, tracked):
    pages = {
        "home": reverse("proposals:home"),
        "theme": tracked["theme"].get_absolute_url(),
        "proposal": tracked["answered"].get_absolute_url(),
        "list": reverse("proposals:proposal_list") + "?theme=5g",
        "delegate": tracked["delegate"].get_absolute_url(),
    }
    taken = []
    for width, viewport in WIDTHS.items():
        page = browser.new_page(viewport=viewport)
        for name, url in pages.items():
            response = page.goto(live_server.url + url)
            assert response.status == 200, url
            # Nothing may stick out sideways on a phone: the page is no wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (name, width)
            taken.append(shoot(page, name, width))
        page.close()
    assert all(path.stat().st_size > 10_000 for path in taken)
