"""The mail followers get, in their own language: the link that confirms a sign-up, and digests of changes.

Every digest carries a one-click unsubscribe (RFC 8058): List-Unsubscribe names an https address, and
List-Unsubscribe-Post tells mail clients they may POST to it without opening a page.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
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
            "manage_url": link("manage", tokens.MANAGE, subscriber),
            "days": settings.FOLLOW_CONFIRM_DAYS,
            "site_url": settings.FOLLOW_SITE_URL,
        }
        subject = _("Confirm: follow %(what)s on Two Sessions Tracker") % {"what": context["what"]}
        return _message(subscriber, subject, "follow/email/confirm", context)


def change_line(change):
    """One change as a line of plain text, in the active language ("…: Referred 2020-07-20, MIIT. Source: …").
    The HTML part escapes it; so the line is worked out once for every message that lists the change."""
    return _CHANGE_LINE.template.render(Context({"change": change}, autoescape=False)).strip()


class _Template:
    """A template loaded on first use (the template engines are not ready when this module is imported)."""

    def __init__(self, name):
        self.name, self._template = name, None

    @property
    def template(self):
        if self._template is None:
            self._template = engines["django"].engine.get_template(self.name)
        return self._template


_CHANGE_LINE = _Template("follow/email/change.txt")


@dataclass
class Section:
    """What one subscription brings to a digest: its changes (the first few listed) and its links."""

    subscription: object
    what: str
    items: list = field(default_factory=list)  # [(line, link)]
    count: int = 0  # pieces of news, listed or not
    first: object = None  # the first Change listed
    more: int = 0
    more_url: str = ""
    stop_url: str = ""


def digest(subscriber, sections, count):
    """The digest of `count` pieces of news for one subscriber, as sections built by digests.py."""
    with translation.override(subscriber.language):
        subject = ngettext("Two Sessions Tracker: %(count)d change in what you follow",
                           "Two Sessions Tracker: %(count)d changes in what you follow", count) % {"count": count}
        return _list_message(subscriber, subject, "follow/email/digest", sections, count)


def alert(subscriber, sections, count):
    """The alert of `count` replies newly overdue in what a subscriber follows."""
    with translation.override(subscriber.language):
        if count == 1:
            proposal = sections[0].first.proposal
            subject = _("Reply overdue: %(title)s") % {"title": proposal.title}
        else:
            subject = _("Two Sessions Tracker: %(count)d replies overdue in what you follow") % {"count": count}
        return _list_message(subscriber, subject, "follow/email/alert", sections, count)


def _list_message(subscriber, subject, template, sections, count):
    """A message listing changes by subscription, with the links every such message carries."""
    stop_all_url = link("stop", tokens.STOP_ALL, subscriber)
    with translation.override(subscriber.language):
        context = {
            "sections": sections, "count": count, "site_url": settings.FOLLOW_SITE_URL,
            "manage_url": link("manage", tokens.MANAGE, subscriber), "stop_all_url": stop_all_url,
        }
        message = _message(subscriber, subject, template, context)
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
