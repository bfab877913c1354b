"""Following by email: the link on every reader page, double opt-in, signed links, one-click unsubscribe, limits."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proposals.follow import subscriptions, tokens
from proposals.follow.models import Change, Subscriber, Subscription

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    person = factories.delegate(slug="lei-jun", name_en="Lei Jun", name_zh="雷军")
    company = factories.company(slug="xiaomi", name_en="Xiaomi", name_zh="小米")
    factories.affiliation(delegate=person, company=company)
    theme = factories.theme(slug="5g", name_en="5G", name_zh="5G")
    proposal = factories.proposal(sponsors=[person], themes=[theme], title_en="Satellite internet in the plan",
                                  title_zh="卫星互联网纳入规划")
    authority = factories.authority(slug="miit", name_en="Ministry of Industry and Information Technology",
                                    name_zh="工业和信息化部")
    return {"theme": theme, "delegate": person, "company": company, "proposal": proposal, "authority": authority}


def sign_up(client, url, email="reader@example.org", frequency="daily", **extra):
    return client.post(url, {"email": email, "frequency": frequency}, **extra)


def link_in(message, name):
    return re.search(rf"https?://[^/\s]+(/follow/{name}/[^\s\"<]+/)", message.body).group(1)


@pytest.mark.parametrize("kind", ["theme", "delegate", "company", "authority", "proposal"])
def test_every_followable_page_links_to_its_follow_page_and_sets_no_cookie(client, world, kind, settings):
    settings.RESPONSE_CACHE = True
    target = world[kind]
    page = client.get(target.get_absolute_url())
    key = target.pk if kind == "proposal" else target.slug
    follow_url = reverse(f"follow:{kind}", args=[key])
    assert f'href="{follow_url}"' in page.content.decode()
    assert not page.cookies, "a reader page with a follow form would set a CSRF cookie and leave the cache"
    assert client.get(target.get_absolute_url()).status_code == 200

    form = client.get(follow_url)
    assert form.status_code == 200 and "csrftoken" in form.cookies
    assert "no-store" in form["Cache-Control"] and "private" in form["Cache-Control"]


def test_a_filtered_list_offers_to_follow_its_search_without_page_or_sort(client, world):
    page = client.get(reverse("proposals:proposal_list"), {"theme": "5g", "status": "submitted", "page": "1",
                                                           "sort": "title"})
    assert 'href="/follow/search/?theme=5g&amp;status=submitted"' in page.content.decode()
    assert "Follow this search by email" in page.content.decode()


def test_signing_up_sends_one_confirmation_and_follows_nothing_until_confirmed(client, world,
                                                                              django_capture_on_commit_callbacks):
    url = reverse("follow:theme", args=["5g"])
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, url, email=" Reader@Example.ORG ", frequency="weekly")
    assert response.status_code == 302 and response["Location"] == reverse("follow:sent")
    subscription = Subscription.objects.get()
    assert subscription.subscriber.email == "reader@example.org"
    assert (subscription.kind, subscription.theme, subscription.frequency) == ("theme", world["theme"], "weekly")
    assert subscription.confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["reader@example.org"]
    assert "the theme 5G" in mail.outbox[0].subject

    confirm_url = link_in(mail.outbox[0], "confirm")
    page = client.get(confirm_url)  # a mail scanner opening the link confirms nothing
    assert page.status_code == 200 and "Confirm and follow" in page.content.decode()
    assert Subscription.objects.confirmed().count() == 0
    done = client.post(confirm_url)
    assert "You are following the theme 5G" in done.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    assert subscription.watermark == Change.objects.latest("pk").pk  # the first digest starts after confirming


def test_a_search_is_stored_as_the_lists_own_filters(client, world, django_capture_on_commit_callbacks):
    url = reverse("follow:search") + "?theme=5g&status=referred&delegate=lei-jun&q=satellite&page=3&bogus=1"
    page = client.get(url)
    assert "proposals matching Words “satellite”, Theme 5G, Status Referred, Delegate Lei Jun" in \
        page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "reader@example.org", "frequency": "daily",
                          "query": "theme=5g&status=referred&delegate=lei-jun&q=satellite&page=3"})
    subscription = Subscription.objects.get()
    assert subscription.query == "q=satellite&theme=5g&status=referred&delegate=lei-jun"
    assert subscription.filters == {"q": "satellite", "theme": ["5g"], "status": "referred",
                                    "delegate_named": "lei-jun"}
    assert "Words “satellite”" in mail.outbox[0].body


def test_a_chinese_reader_gets_chinese_mail(client, world, django_capture_on_commit_callbacks):
    client.cookies["django_language"] = "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, reverse("follow:delegate", args=["lei-jun"]))
    assert Subscriber.objects.get().language == "zh-hans"
    assert "雷军" in mail.outbox[0].subject and "确认" in mail.outbox[0].subject


def test_bad_addresses_and_unknown_things_are_refused(client, world):
    response = sign_up(client, reverse("follow:theme", args=["5g"]), email="not an address")
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert client.get(reverse("follow:theme", args=["no-such-theme"])).status_code == 404
    draft = factories.proposal(published=False)
    assert client.get(reverse("follow:proposal", args=[draft.pk])).status_code == 404
    assert not Subscriber.objects.exists()


def test_sign_ups_are_limited_per_address_and_per_client(client, world, settings):
    settings.FOLLOW_SIGNUPS_PER_ADDRESS, settings.FOLLOW_SIGNUPS_PER_CLIENT = 2, 3
    url = reverse("follow:theme", args=["5g"])
    assert [sign_up(client, url).status_code for _ in range(3)] == [302, 302, 429]
    assert sign_up(client, url, email="other@example.org").status_code == 429  # this client's fourth
    # Behind one trusted proxy, the client is the address the proxy saw; another client may sign up.
    settings.TRUSTED_PROXY_COUNT = 1
    elsewhere = sign_up(client, url, email="other@example.org", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert elsewhere.status_code == 302
    refused = sign_up(client, url, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.content.decode()


def test_one_click_unsubscribe_needs_no_csrf_token_but_a_valid_signature(world):
    subscriber = Subscriber.objects.create(email="reader@example.org")
    Subscription.objects.create(subscriber=subscriber, kind="theme", theme=world["theme"], confirmed_at=timezone.now())
    strict = Client(enforce_csrf_checks=True)
    forged = strict.post("/follow/stop/1.nope:1xYLQO:forged/", {"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 404 and Subscriber.objects.exists()
    url = reverse("follow:stop", args=[tokens.make(tokens.STOP_ALL, subscriber)])
    assert "Stop every digest to reader@example.org?" in strict.get(url).content.decode()
    done = strict.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and not Subscriber.objects.exists()  # the address itself is gone
    assert strict.post(url).status_code == 404  # and the link now names nothing


def test_stopping_one_subscription_keeps_the_address_until_its_last(client, world):
    subscriber = Subscriber.objects.create(email="reader@example.org")
    theme = Subscription.objects.create(subscriber=subscriber, kind="theme", theme=world["theme"])
    person = Subscription.objects.create(subscriber=subscriber, kind="delegate", delegate=world["delegate"])
    client.post(reverse("follow:stop", args=[tokens.make(tokens.STOP, theme)]))
    assert list(Subscription.objects.all()) == [person] and Subscriber.objects.exists()
    page = client.post(reverse("follow:stop", args=[tokens.make(tokens.STOP, person)]))
    assert "You no longer follow the delegate Lei Jun" in page.content.decode()
    assert not Subscriber.objects.exists()


def test_links_expire_and_a_new_key_makes_old_links_useless(client, world, settings):
    subscriber = Subscriber.objects.create(email="reader@example.org")
    subscription = Subscription.objects.create(subscriber=subscriber, kind="theme", theme=world["theme"])
    url = reverse("follow:confirm", args=[tokens.make(tokens.CONFIRM, subscription)])
    settings.FOLLOW_CONFIRM_DAYS = 0
    expired = client.get(url)
    assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
    settings.FOLLOW_CONFIRM_DAYS = 3
    assert client.get(url).status_code == 200
    subscriber.key = "another-key"
    subscriber.save()
    assert client.get(url).status_code == 404
    # A stop link is not a confirm link, even with the right key.
    stop = tokens.make(tokens.STOP, subscription)
    assert client.get(reverse("follow:confirm", args=[stop])).status_code == 404


def test_the_manage_page_changes_frequency_and_language(client, world):
    subscriber = Subscriber.objects.create(email="reader@example.org")
    subscription = Subscription.objects.create(subscriber=subscriber, kind="company", company=world["company"],
                                               confirmed_at=timezone.now())
    url = reverse("follow:manage", args=[tokens.make(tokens.MANAGE, subscriber)])
    page = client.get(url)
    assert "The company Xiaomi" in page.content.decode() and "csrftoken" in page.cookies
    saved = client.post(url, {f"frequency-{subscription.pk}": "weekly", "language": "zh-hans"})
    assert saved.status_code == 302
    subscription.refresh_from_db()
    subscriber.refresh_from_db()
    assert (subscription.frequency, subscriber.language) == ("weekly", "zh-hans")


def test_unconfirmed_sign_ups_and_their_addresses_are_forgotten_when_the_link_expires(world):
    subscriptions.sign_up(email="late@example.org", language="en", kind="theme", target=world["theme"])
    kept = subscriptions.sign_up(email="kept@example.org", language="en", kind="theme", target=world["theme"])
    subscriptions.confirm(kept)
    subscriptions.forget_unconfirmed(timezone.now() + datetime.timedelta(days=4))
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["kept@example.org"]


def test_signing_up_twice_keeps_one_subscription_and_renews_the_link(world):
    first = subscriptions.sign_up(email="reader@example.org", language="en", kind="theme", target=world["theme"])
    again = subscriptions.sign_up(email="READER@example.org", language="en", kind="theme", target=world["theme"],
                                  frequency="weekly")
    assert first.pk == again.pk and again.frequency == "weekly" and Subscription.objects.count() == 1
