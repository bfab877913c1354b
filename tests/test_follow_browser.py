"""A reader in real headless Chromium follows a theme by email, confirms from the mail, gets a digest and stops it
from the digest's link; the theme page stays cookie-free, and no page breaks the Content-Security-Policy."""

import datetime
import os
import re

import pytest
from django.core import mail
from django.utils import timezone

from proposals.follow import digests
from proposals.follow.models import Subscriber, Subscription
from proposals.lifecycle import HandlingRole, Status
from proposals.services import record_status

from . import factories
from .test_browser import WIDTHS, shoot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date


@pytest.fixture
def theme_world(transactional_db):
    session = factories.session(slug="npc-2020", opened_on=D(2020, 5, 22))
    theme = factories.theme(slug="5g", name_en="5G", name_zh="5G", description="Fifth-generation mobile networks.")
    proposal = factories.proposal(session=session, themes=[theme], title_en="Treat 5G as a public utility",
                                  title_zh="将5G作为公共基础设施")
    source = factories.source(title="Tech tycoons at the Two Sessions", publisher="KrASIA")
    record_status(proposal, date=D(2020, 5, 22), status=Status.SUBMITTED, source=source)
    ministry = factories.authority(slug="miit", name_en="Ministry of Industry and Information Technology",
                                   name_zh="工业和信息化部")
    return {"theme": theme, "proposal": proposal, "source": source, "authority": ministry}


def path_in(message, name):
    return re.search(rf"https?://[^/\s]+(/follow/{name}/[^\s]+/)", message.body).group(1)


def test_a_reader_follows_a_theme_confirms_gets_a_digest_and_stops_it(live_server, browser, theme_world,
                                                                     settings):
    settings.RESPONSE_CACHE = True
    context = browser.new_context(viewport=WIDTHS["phone"])
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    response = page.goto(live_server.url + theme_world["theme"].get_absolute_url())
    assert "set-cookie" not in response.headers, "the theme page must stay cacheable"
    page.get_by_role("link", name="Follow this theme by email").click()
    page.wait_for_url("**/follow/theme/5g/")
    assert page.get_by_role("heading", level=1).inner_text() == "Follow the theme 5G by email"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]["width"]
    shoot(page, "follow-form", "phone")
    page.get_by_label("Your email address").fill("reader@example.org")
    page.get_by_label("Weekly").check()
    page.get_by_role("button", name="Follow").click()
    page.wait_for_url("**/follow/sent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"

    (confirmation,) = mail.outbox
    page.goto(live_server.url + path_in(confirmation, "confirm"))
    assert Subscription.objects.confirmed().count() == 0  # opening the link is not confirming
    page.get_by_role("button", name="Confirm and follow").click()
    assert page.get_by_role("heading", level=1).inner_text() == "You are following the theme 5G"
    assert Subscription.objects.confirmed().get().frequency == "weekly"

    record_status(theme_world["proposal"], date=D(2020, 7, 20), status=Status.REFERRED,
                  source=theme_world["source"], authority=theme_world["authority"], handling_role=HandlingRole.LEAD)
    next_week = timezone.now() + datetime.timedelta(days=8)  # past the next Monday's slot for weekly digests
    assert digests.run(next_week, settle=datetime.timedelta(0)).digests == 1
    digest = mail.outbox[-1]
    assert "Treat 5G as a public utility: Referred 2020-07-20, Ministry of Industry" in digest.body

    page.goto(live_server.url + path_in(digest, "stop").split()[0])
    page.get_by_role("button", name="Stop following").click()
    assert page.get_by_role("heading", level=1).inner_text() == "You no longer follow the theme 5G"
    assert not Subscriber.objects.exists()
    shoot(page, "follow-stopped", "phone")
    assert violations == []
    context.close()


def test_a_chinese_reader_follows_a_search_and_confirms_it(live_server, browser, theme_world):
    context = browser.new_context(viewport=WIDTHS["desktop"], java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/proposals/?theme=5g&status=submitted")
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_selector("html[lang='zh-Hans']")
    page.get_by_role("link", name="通过电子邮件关注此搜索").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "主题 5G" in heading and "状态 提交" in heading
    shoot(page, "follow-search-zh", "desktop")
    page.get_by_label("你的电子邮箱").fill("reader@example.cn")
    page.get_by_role("button", name="关注").click()
    assert page.get_by_role("heading", level=1).inner_text() == "请查看收件箱"
    assert Subscriber.objects.get().language == "zh-hans"
    (confirmation,) = mail.outbox
    assert "确认" in confirmation.subject
    page.goto(live_server.url + path_in(confirmation, "confirm"))
    page.get_by_role("button", name="确认并关注").click()
    assert "你已关注符合条件" in page.get_by_role("heading", level=1).inner_text()
    subscription = Subscription.objects.confirmed().get()
    assert (subscription.query, subscription.filters) == ("theme=5g&status=submitted",
                                                          {"theme": ["5g"], "status": "submitted"})
    context.close()
