"""An editor in real headless Chromium at 1,280 px: a proposal's real history recorded one short form per step.

filed → referred to two authorities → replied, grade B → dissatisfied → rehandling → replied, grade A →
closed. The test counts the page loads it takes, checks that no page scrolls sideways, that the form shows
only what each status takes, that a refusal sits beside its field, and that no page breaks the
Content-Security-Policy. Screenshots of the form, the timeline inline, the history and the desk go to
test-artifacts/.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from proposals.lifecycle import Status
from proposals.models import StatusEvent
from proposals.services import record_status

from . import factories
from .test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
LAPTOP = {"width": 1280, "height": 900}
PASSWORD = "editor-password-123"


@pytest.fixture
def desk_world(transactional_db):
    # A transactional test starts without the Editors group a migration creates: a superuser stands in.
    User.objects.create_superuser("editor", password=PASSWORD)
    session = factories.session(slug="cppcc-2020", opened_on=D(2020, 5, 21), closed_on=D(2020, 5, 27))
    lead = factories.seated_delegate(session, slug="yu-minhong", name_en="Yu Minhong", name_zh="俞敏洪")
    proposal = factories.proposal(session=session, sponsors=[lead], title_en="Use 5G to close the education gap",
                                  title_zh="利用5G缩小城乡教育差距")
    record_status(proposal, date=D(2020, 5, 21), status=Status.SUBMITTED,
                  source=factories.source(title="Tech tycoons at the Two Sessions", publisher="KrASIA"))
    factories.authority(slug="moe", name_en="Ministry of Education", abbreviation="MOE")
    factories.authority(slug="miit", name_en="Ministry of Industry and Information Technology", abbreviation="MIIT")
    return {"proposal": proposal}


class Editor:
    """A signed-in editor's browser tab that counts page loads and Content-Security-Policy violations."""

    def __init__(self, browser, base_url):
        self.context = browser.new_context(viewport=LAPTOP)
        self.page = self.context.new_page()
        self.base_url, self.loads, self.violations = base_url, 0, []
        self.page.on("console", lambda message: self.violations.append(message.text)
                     if "Content Security Policy" in message.text else None)
        self.page.on("framenavigated", lambda frame: self._loaded(frame))
        self.open(reverse("admin:login"))
        self.page.fill("#id_username", "editor")
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        self.loads = 0  # the day's work starts signed in

    def _loaded(self, frame):
        if frame == self.page.main_frame:
            self.loads += 1

    def open(self, path):
        self.page.goto(self.base_url + path)

    def no_sideways_scroll(self):
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    def pick(self, field_id, typed):
        """Choose in an autocomplete select (select2) by typing, as an editor does."""
        self.page.click(f"#{field_id} + .select2 .select2-selection")
        # The box opens with the full list, loaded by a first request; what was typed must not race it.
        self.page.wait_for_selector(".select2-container--open .select2-results__option:not(.loading-results)")
        self.page.fill(".select2-container--open .select2-search__field", typed)
        self.page.wait_for_function(
            """typed => {
                const options = [...document.querySelectorAll('.select2-container--open .select2-results__option')];
                return options.length > 0 && options.every(o => o.textContent.toLowerCase().includes(typed))
                    && document.querySelector('.select2-results__option--highlighted');
            }""", arg=typed.lower())
        self.page.keyboard.press("Enter")

    def record(self, proposal, status, date, *, source="Tech tycoons", **choices):
        """One step through the record-a-step form: open it, fill what the status takes, save."""
        self.open(reverse("admin:proposals_proposal_record_step", args=[proposal.pk]))
        self.page.select_option("#id_status", status)
        self.page.fill("#id_date", date)
        self.pick("id_source", source)
        for index, (authority, role) in enumerate(choices.pop("referrals", [])):
            self.pick(f"id_referrals-{index}-authority", authority)
            self.page.select_option(f"#id_referrals-{index}-handling_role", role)
        if "authority" in choices:
            self.pick("id_authority", choices.pop("authority"))
        for name, value in choices.items():
            self.page.select_option(f"#id_{name}", value)
        with self.page.expect_navigation():
            self.page.click("#record-step-form input[type=submit]")
        refused = self.page.locator(".errornote")
        assert "/record-step/" not in self.page.url, refused.inner_text() if refused.count() else self.page.url


def test_the_seven_step_history_takes_one_short_form_per_step(live_server, browser, desk_world):
    proposal = desk_world["proposal"]
    editor = Editor(browser, live_server.url)
    editor.record(proposal, "filed", "2020-06-15")
    editor.record(proposal, "referred", "2020-07-01", referrals=[("Education", "lead"), ("Industry", "co")])
    editor.record(proposal, "replied", "2020-09-20", authority="Education", reply_grade="B")
    editor.record(proposal, "feedback", "2020-10-05", verdict="dissatisfied")
    editor.record(proposal, "rehandling", "2020-10-10", authority="Education")
    editor.record(proposal, "replied", "2020-11-02", authority="Education", reply_grade="A")
    editor.record(proposal, "closed", "2020-11-20")
    steps = list(StatusEvent.objects.filter(proposal=proposal).order_by("date", "id")
                 .values_list("status", "authority__slug", "handling_role", "reply_grade", "verdict"))
    assert steps == [
        ("submitted", None, "", "", ""), ("filed", None, "", "", ""), ("referred", "moe", "lead", "", ""),
        ("referred", "miit", "co", "", ""), ("replied", "moe", "", "B", ""), ("feedback", None, "", "", "dissatisfied"),
        ("rehandling", "moe", "", "", ""), ("replied", "moe", "", "A", ""), ("closed", None, "", "", ""),
    ]
    # Seven steps: each one short form opened, then saved (the save lands back on the change page).
    assert editor.loads == 14, editor.loads
    assert not editor.violations, editor.violations


def test_the_form_shows_what_the_status_takes_and_a_refusal_beside_its_field(live_server, browser, desk_world):
    proposal = desk_world["proposal"]
    editor = Editor(browser, live_server.url)
    editor.open(reverse("admin:proposals_proposal_record_step", args=[proposal.pk]))
    page = editor.page
    assert not page.is_visible("[data-statuses='referred']")
    page.select_option("#id_status", "referred")
    assert page.is_visible("[data-statuses='referred']") and not page.is_visible("#id_verdict")
    page.select_option("#id_status", "feedback")
    assert page.is_visible("#id_verdict") and not page.is_visible("[data-statuses='referred']")
    page.check("input[name=source_choice][value=new]")
    assert page.is_visible("#id_source_title") and not page.is_visible("#id_source + .select2")
    assert editor.no_sideways_scroll()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-record-step-1280.png"), full_page=True)

    page.select_option("#id_verdict", "satisfied")
    page.fill("#id_date", "2020-09-01")
    page.fill("#id_source_title", "A letter")
    page.fill("#id_source_publisher", "The proposer")
    page.click("#record-step-form input[type=submit]")
    error = page.locator(".field-status .errorlist").inner_text()
    assert "feedback needs an earlier reply" in error
    assert "Nothing was recorded" in page.locator(".errornote").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-record-step-refused-1280.png"), full_page=True)
    assert not editor.violations, editor.violations


def test_the_change_page_history_and_desk_fit_a_laptop(live_server, browser, desk_world):
    proposal = desk_world["proposal"]
    editor = Editor(browser, live_server.url)
    for name, path in [("admin-change-timeline-1280", reverse("admin:proposals_proposal_change", args=[proposal.pk])),
                       ("admin-history-1280", reverse("admin:proposals_proposal_history", args=[proposal.pk])),
                       ("admin-desk-1280", reverse("admin:index"))]:
        editor.open(path)
        assert editor.no_sideways_scroll(), name
        editor.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    editor.open(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    notes = editor.page.locator(".timezonewarning").count()
    assert notes == 0
    assert not editor.violations, editor.violations
