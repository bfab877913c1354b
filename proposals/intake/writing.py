"""Store what an editor accepted from a Reading: the source with its full text, new companies and delegates
with their seats and positions, draft proposals (never published) with their sponsor, themes and a submitted
(or announced) step quoting the report, and company events. All of it in one transaction, or nothing.

Items an earlier intake of the same report already created (`taken_in`) are never created again, and the
history of every record written says it came from intake.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from people.models import Affiliation, Company, CompanyEvent, Delegate, Membership
from proposals.models import Proposal, Session, Source, Theme
from proposals.services import record_status, set_sponsors

SUBMITTED_NOTE = ("Taken in from the report. It places this proposal during the session without giving the day it "
                  "was submitted; dated to the session's opening day.")


def _reason(source):
    return f"From intake of “{source.title}”"[:100]


def _unique_slug(model, base, **scope):
    base = (slugify(base) or model.__name__.lower())[:70].strip("-") or model.__name__.lower()
    slug, number = base, 2
    while model.objects.filter(slug=slug, **scope).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def source_for(reading, fields):
    """The report's Source: the one holding this very text already, or a new one from the editor's fields."""
    existing = Source.objects.filter(text_hash=Source.hash_of(reading.text)).first()
    if existing is not None:
        return existing, False
    source = Source(text=reading.text, **fields)
    source.full_clean()
    return source, True


@transaction.atomic
def apply(reading, decisions, *, source_fields):
    """Write the accepted items; returns {"source", "proposals", "delegates", "companies", "company_events",
    "skipped"}. `decisions[key]` for each item: {"accept": bool, ...edits}. Raises ValidationError naming the
    item when an accepted one cannot be stored; then nothing is written."""
    source, created = source_for(reading, source_fields)
    if created:
        source.save()
        update_change_reason(source, _reason(source))
    written = {"source": source, "proposals": [], "delegates": [], "companies": [], "company_events": [],
               "skipped": []}
    companies = _companies(reading, decisions, source, written)
    delegates = _delegates(reading, decisions, source, companies, written)
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    sessions = {session.slug: session for session in Session.objects.all()}
    for item in reading.proposals:
        decision = decisions.get(item["key"], {})
        if not decision.get("accept") or item["sponsor"] not in delegates:
            continue
        if item["taken_in"]:
            written["skipped"].append(item["key"])
            continue
        if decision.get("merge_into"):
            proposal = Proposal.objects.get(pk=decision["merge_into"])
            proposal.sources.add(source)
            written["skipped"].append(item["key"])
            continue
        written["proposals"].append(_proposal(item, decision, source, delegates[item["sponsor"]], themes, sessions))
    for item in reading.company_events:
        decision = decisions.get(item["key"], {})
        if not decision.get("accept") or item["taken_in"] or item["company"] not in companies:
            continue
        event = CompanyEvent(
            company=companies[item["company"]], date=datetime.date.fromisoformat(item["date"]),
            date_approximate=item["date_approximate"], kind=item["kind"],
            title=(decision.get("title") or item["title"])[:300], description=item["description"], source=source,
            quote=item["quote"], quote_start=item["quote_start"], quote_end=item["quote_end"],
        )
        event.full_clean()
        event.save()
        update_change_reason(event, _reason(source))
        written["company_events"].append(event)
    return written


def _companies(reading, decisions, source, written):
    companies = {}
    for item in reading.companies:
        if item["match"]:
            companies[item["key"]] = Company.objects.get(pk=item["match"]["id"])
            continue
        decision = decisions.get(item["key"], {})
        if not decision.get("accept"):
            continue
        name = (decision.get("name") or item["name"]).strip()
        company = Company.objects.filter(name_en__iexact=name).first()
        if company is None:
            company = Company(slug=_unique_slug(Company, name), name_en=name)
            company.full_clean()
            company.save()
            update_change_reason(company, _reason(source))
            written["companies"].append(company)
        companies[item["key"]] = company
    return companies


def _delegates(reading, decisions, source, companies, written):
    delegates = {}
    sessions = {session.slug: session for session in Session.objects.select_related("body")}
    for item in reading.delegates:
        if item["match"]:
            delegates[item["key"]] = Delegate.objects.get(pk=item["match"]["id"])
            continue
        decision = decisions.get(item["key"], {})
        if not decision.get("accept"):
            continue
        name = (decision.get("name") or item["name"]).strip()
        chinese_name = item["chinese"]
        delegate = Delegate(slug=_unique_slug(Delegate, name if not chinese_name else _pinyin_name(name)),
                            name_en="" if chinese_name else name, name_zh=name if chinese_name else "")
        if chinese_name:
            delegate.name_en = _pinyin_name(name)
        delegate.full_clean()
        delegate.save()
        update_change_reason(delegate, _reason(source))
        session = sessions.get(item["session"])
        if session is not None:
            Membership.objects.create(delegate=delegate, body=session.body, term=session.term,
                                      role=item["role"] or "member")
        for position in item["positions"]:
            company = companies.get(position["company"])
            if company is not None:
                Affiliation.objects.get_or_create(delegate=delegate, company=company,
                                                  position=position["position"][:200])
        written["delegates"].append(delegate)
        delegates[item["key"]] = delegate
    return delegates


def _pinyin_name(name):
    from proposals.meaning import chinese

    syllables = chinese.pinyin_of(name)
    if not syllables:
        return name
    return " ".join([syllables[0].title(), "".join(syllables[1:]).title()]).strip()


def _proposal(item, decision, source, sponsor, themes, sessions):
    session = sessions[item["session"]]
    title = (decision.get("title") or item["title"]).strip()[:300]
    summary = (decision.get("summary") or item["summary"]).strip()[:5000]
    chinese_text = item["language"] == "zh"
    proposal = Proposal(
        session=session, kind=item["kind"],
        title_en=title, summary_en=summary,
        title_zh=title if chinese_text else "", summary_zh=summary if chinese_text else "",
    )
    proposal.slug = _unique_slug(Proposal, title if not chinese_text else _pinyin_name(title), session=session)
    proposal.full_clean(exclude=["sponsors"])
    proposal.save()
    update_change_reason(proposal, _reason(source))
    seat_exceptions = {}
    from proposals.services import unseated_sponsors

    if unseated_sponsors(session, [sponsor]):
        seat_exceptions[sponsor.pk] = _("The report names them as a member of %(body)s.") % {"body": session.body}
    set_sponsors(proposal, [sponsor], seat_exceptions=seat_exceptions)
    chosen = decision.get("themes", item["themes"])
    proposal.themes.set([themes[slug] for slug in chosen if slug in themes])
    proposal.sources.add(source)
    if decision.get("related_to"):
        proposal.related.add(Proposal.objects.get(pk=decision["related_to"]))
    try:
        event = record_status(
            proposal, date=datetime.date.fromisoformat(item["date"]), status=item["status"], source=source,
            note=SUBMITTED_NOTE if item["status"] == "submitted" else "Taken in from the report.",
            date_approximate=item["date_approximate"], quote=item["quote"], quote_start=item["quote_start"],
            quote_end=item["quote_end"],
        )
    except ValidationError as error:
        raise ValidationError(_("%(title)s: %(reason)s") % {"title": title, "reason": "; ".join(error.messages)}) \
            from error
    update_change_reason(event, _reason(source))
    return proposal
