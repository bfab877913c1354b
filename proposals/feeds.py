"""Atom feeds of status changes: all of them, and those of one theme, delegate, company or proposal."""

import datetime

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from people.models import Company, Delegate

from .models import Proposal, StatusEvent, Theme
from .templatetags.reader import status_name

FEED_LENGTH = 50


class StatusChangesFeed(Feed):
    """The newest status events first; each entry links to the event on its proposal's timeline."""

    feed_type = Atom1Feed

    def title(self, obj=None):
        return _("Two Sessions Tracker: status changes")

    def subtitle(self, obj=None):
        return _("The latest steps of Two Sessions proposals, from submission to law.")

    def link(self, obj=None):
        return reverse("proposals:proposal_list")

    def events(self, obj):
        return StatusEvent.objects.published()

    def items(self, obj=None):
        return self.events(obj).select_related("proposal", "authority", "source").order_by(
            "-date", "-id")[:FEED_LENGTH]

    def item_title(self, event):
        return f"{event.proposal.title}: {status_name(event.status)}"

    def item_description(self, event):
        parts = [_("%(status)s on %(date)s.") % {"status": status_name(event.status), "date": event.date.isoformat()}]
        if event.authority_id:
            parts.append(_("Authority: %(name)s.") % {"name": event.authority.name})
        if event.reply_grade:
            parts.append(_("Reply grade %(grade)s.") % {"grade": event.reply_grade})
        if event.reply_owed:
            parts.append(_("A reply is due by %(date)s.") % {"date": event.reply_due_on.isoformat()})
        if event.note:
            parts.append(event.note)
        parts.append(_("Source: %(source)s") % {"source": event.source})
        return " ".join(parts)

    def item_link(self, event):
        return event.get_absolute_url()

    def item_pubdate(self, event):
        return timezone.make_aware(datetime.datetime.combine(event.date, datetime.time()))

    def item_updateddate(self, event):
        return event.updated_at


class FilteredFeed(StatusChangesFeed):
    """The status changes of the proposals one theme, delegate or company selects, as the list filter does."""

    model = None
    filter_name = None  # the filter_by() argument that selects the object's proposals

    def get_object(self, request, slug):
        return get_object_or_404(self.model, slug=slug)

    def title(self, obj=None):
        return _("Two Sessions Tracker: %(name)s") % {"name": obj.name}

    def link(self, obj=None):
        return obj.get_absolute_url()

    def events(self, obj):
        proposals = Proposal.objects.published().filter_by(**{self.filter_name: obj}).values("pk")
        return StatusEvent.objects.published().filter(proposal__in=proposals)


class ThemeFeed(FilteredFeed):
    model, filter_name = Theme, "theme"


class DelegateFeed(FilteredFeed):
    model, filter_name = Delegate, "delegate"


class CompanyFeed(FilteredFeed):
    model, filter_name = Company, "company"


class ProposalFeed(StatusChangesFeed):
    def get_object(self, request, pk):
        return get_object_or_404(Proposal.objects.published(), pk=pk)

    def title(self, obj=None):
        return _("Two Sessions Tracker: %(name)s") % {"name": obj.title}

    def link(self, obj=None):
        return obj.get_absolute_url()

    def events(self, obj):
        return obj.status_events.published()
