"""The mail followers get, in their own language: the link that confirms a sign-up, and digests of changes.

Every digest carries a one-click unsubscribe (RFC 8058): List-Unsubscribe names an https address, and
List-Unsubscribe-Post tells mail clients they may POST to it without opening a page.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import tokens
from .wording import what


def absolute(path):
    return settings.FOLLOW_SITE_URL + path


def link(name, purpose, record):
    return absolute(reverse(f"follow:{name}", args=[tokens.make(purpose, record)]))


def followed_page(subscription):
    """The page of what a subscription follows: where "and N more" leads."""
    if subscription.kind == "search":
        list_url = reverse("proposals:proposal_list")
        return absolute(f"{list_url}?{subscription.query}" if subscription.query else list_url)
    return absolute(subscription.target.get_absolute_url())


def confirmation(subscription):
    subscriber = subscription.subscriber
    with translation.override(subscriber.language):
        context = {
            "what": what(subscription),
            "confirm_url": link("confirm", tokens.CONFIRM, subscription),
            "days": settings.FOLLOW_CONFIRM_DAYS,
            "site_url": settings.FOLLOW_SITE_URL,
        }
        subject = _("Confirm: follow %(what)s on Two Sessions Tracker") % {"what": context["what"]}
        return _message(subscriber, subject, "follow/email/confirm", context)


@dataclass
class Section:
    """What one subscription brings to a digest: its changes (the first few listed) and its links."""

    subscription: object
    what: str
    items: list = field(default_factory=list)  # [(change, link)]
    count: int = 0  # pieces of news, listed or not
    more: int = 0
    more_url: str = ""
    stop_url: str = ""


def digest(subscriber, sections, count):
    """The digest of `count` pieces of news for one subscriber, as sections built by digests.py."""
    stop_all_url = link("stop", tokens.STOP_ALL, subscriber)
    with translation.override(subscriber.language):
        context = {
            "sections": sections, "count": count, "site_url": settings.FOLLOW_SITE_URL,
            "manage_url": link("manage", tokens.MANAGE, subscriber), "stop_all_url": stop_all_url,
        }
        subject = ngettext("Two Sessions Tracker: %(count)d change in what you follow",
                           "Two Sessions Tracker: %(count)d changes in what you follow", count) % {"count": count}
        message = _message(subscriber, subject, "follow/email/digest", context)
    message.extra_headers.update({
        "List-Unsubscribe": f"<{stop_all_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Two Sessions Tracker digests <digests.{urlsplit(settings.FOLLOW_SITE_URL).hostname}>",
        "Auto-Submitted": "auto-generated",
    })
    return message


def _message(subscriber, subject, template, context):
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[subscriber.email],
        headers={"Content-Language": subscriber.language},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
