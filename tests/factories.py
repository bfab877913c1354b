"""Small helpers that build test data; each takes keyword overrides."""

import datetime
import itertools

from django.contrib.auth.models import Group, User

from people.models import Affiliation, Company, Delegate, Membership
from proposals.models import Authority, Body, Proposal, Session, Source, Sponsorship, Theme

_serial = itertools.count(1)


def body(**fields):
    kind = fields.pop("kind", Body.Kind.CONGRESS)
    slug = fields.pop("slug", "npc" if kind == Body.Kind.CONGRESS else "cppcc")
    chinese = {"npc": ("全国人民代表大会", "全国人大"),
               "cppcc": ("中国人民政治协商会议全国委员会", "全国政协")}.get(slug, ("", ""))
    defaults = {"name_en": slug.upper(), "name_zh": chinese[0], "abbreviation": slug.upper(),
                "abbreviation_zh": chinese[1], "kind": kind, **fields}
    return Body.objects.get_or_create(slug=slug, defaults=defaults)[0]


def session(**fields):
    n = next(_serial)
    opened = fields.pop("opened_on", datetime.date(2020, 5, 22))
    return Session.objects.create(
        body=fields.pop("body", None) or body(),
        term=fields.pop("term", 13),
        number=fields.pop("number", n),
        year=fields.pop("year", opened.year),
        slug=fields.pop("slug", f"session-{n}"),
        name_en=fields.pop("name_en", f"Session {n}"),
        opened_on=opened,
        closed_on=fields.pop("closed_on", opened + datetime.timedelta(days=6)),
        **fields,
    )


def theme(**fields):
    n = next(_serial)
    return Theme.objects.create(**{"slug": f"theme-{n}", "name_en": f"Theme {n}", **fields})


def authority(**fields):
    n = next(_serial)
    return Authority.objects.create(**{"slug": f"authority-{n}", "name_en": f"Ministry {n}", **fields})


def source(**fields):
    n = next(_serial)
    return Source.objects.create(
        **{"url": f"https://example.org/report-{n}", "title": f"Report {n}", "publisher": "Example News", **fields}
    )


def delegate(**fields):
    n = next(_serial)
    return Delegate.objects.create(**{"slug": f"delegate-{n}", "name_en": f"Delegate {n}", **fields})


def company(**fields):
    n = next(_serial)
    return Company.objects.create(**{"slug": f"company-{n}", "name_en": f"Company {n}", **fields})


def membership(**fields):
    return Membership.objects.create(
        **{"delegate": fields.pop("delegate", None) or delegate(), "body": body(), "term": 13,
           "role": Membership.Role.DEPUTY, **fields}
    )


def seat(person, session):
    """A seat for `person` in the session's body and term: what a sponsor of its proposals needs."""
    return Membership.objects.get_or_create(
        delegate=person, body=session.body, term=session.term, role=Membership.Role.DEPUTY)[0]


def seated_delegate(session, **fields):
    person = delegate(**fields)
    seat(person, session)
    return person


def affiliation(**fields):
    return Affiliation.objects.create(
        **{"delegate": fields.pop("delegate", None) or delegate(),
           "company": fields.pop("company", None) or company(), "position": "founder", **fields}
    )


def proposal(*, sponsors=None, themes=(), **fields):
    n = next(_serial)
    created = Proposal.objects.create(
        **{"title_en": f"Proposal {n}", "summary_en": f"Summary of proposal {n}.", "published": True,
           "session": fields.pop("session", None) or session(), **fields}
    )
    for order, person in enumerate(sponsors if sponsors is not None else [delegate()]):
        Sponsorship.objects.create(proposal=created, delegate=person, is_lead=order == 0, order=order)
    if themes:  # a new proposal has no themes to replace: add them, and skip the queries for none at all
        created.themes.add(*themes)
    return created


def editor(username="editor"):
    user = User.objects.create_user(username=username, password="editor-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user
