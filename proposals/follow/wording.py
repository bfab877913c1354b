"""What a subscription follows, in words of the reader's language: for the follow pages, the mail and the admin.

A search is stored as the filter_by() arguments the proposal list used (forms.py turns a query string into
them); describe_search() says what they select: "Theme 5G, Status Referred, Words “satellite”".
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import Company, Delegate
from proposals.bilingual import listed
from proposals.lifecycle import Status
from proposals.models import Body, Proposal, Session, Theme
from proposals.templatetags.reader import status_name

# The filter_by() arguments a search may hold, in the order the list's form shows them, with their labels.
LABELS = {
    "q": gettext_lazy("Words"),
    "theme": gettext_lazy("Theme"),
    "status": gettext_lazy("Status"),
    "session": gettext_lazy("Session"),
    "body": gettext_lazy("Body"),
    "kind": gettext_lazy("Kind"),
    "delegate_named": gettext_lazy("Delegate"),
    "company_named": gettext_lazy("Company"),
}
NAMED_BY_SLUG = {"theme": Theme, "session": Session, "body": Body, "delegate_named": Delegate,
                 "company_named": Company}


def describe_search(filters):
    """[(label, value shown)] for each filter of a search; an empty list means every proposal."""
    parts = []
    for name, label in LABELS.items():
        value = filters.get(name)
        if not value:
            continue
        if name == "status":
            shown = status_name(value) if value in Status.values else value
        elif name == "kind":
            shown = Proposal.Kind(value).label if value in Proposal.Kind.values else value
        elif name in NAMED_BY_SLUG:
            slugs = value if isinstance(value, list) else [value]  # themes combine; older searches hold one
            names = {record.slug: record.name for record in NAMED_BY_SLUG[name].objects.filter(slug__in=slugs)}
            shown = listed(names.get(slug, f"“{slug}”") for slug in slugs)
        else:
            shown = f"“{value}”"
        parts.append((label, shown))
    return parts


def what(subscription, described=None):
    """The followed thing as a phrase: "the theme 5G", "proposals matching Theme 5G, Status Referred".

    `described` may hold describe_search() results by query, so a digest run describes each search once.
    """
    kind = subscription.kind
    if kind == "search":
        parts = (described or {}).get(subscription.query)
        if parts is None:
            parts = describe_search(subscription.filters)
        if not parts:
            return _("all proposals")
        # Translators: what separates the filters of a search ("Theme 5G, Status Referred").
        return _("proposals matching %(filters)s") % {
            "filters": _(", ").join(f"{label} {shown}" for label, shown in parts)}
    target = subscription.target
    if kind == "proposal":
        return f"“{target.title}”"
    phrases = {"theme": _("the theme %(name)s"), "delegate": _("the delegate %(name)s"),
               "company": _("the company %(name)s"), "authority": _("the authority %(name)s")}
    return phrases[kind] % {"name": target.name}
