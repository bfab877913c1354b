"""Read a report: what the tracker would propose from it, as plain data (`Reading.as_json()`), writing nothing.

`read(text, title=…, published_on=…)` runs the whole reading against the database's delegates, companies,
sessions, themes and proposals; the admin's review page, `manage.py intake` and the API show its result, and
`writing.apply` stores the items an editor accepted.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from people.models import Company, CompanyEvent, Delegate
from proposals.meaning import chinese
from proposals.models import Proposal, Session, Source, StatusEvent, Theme

from . import asks as asking
from . import names, sentences
from .text import IntakeError, clean_text

_MONTHS = {name: number for number, name in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH_DAY = re.compile(r"\b(?P<month>[A-Z][a-z]+) (?P<day>\d{1,2})\b|\b(?P<day2>\d{1,2}) (?P<month2>[A-Z][a-z]+)\b"
                        r"|(?P<zh_month>\d{1,2})月(?P<zh_day>\d{1,2})日")
_MONTH_YEAR = re.compile(r"\b(?P<month>[A-Z][a-z]+) (?P<year>(?:19|20)\d\d)\b"
                         r"|(?P<zh_year>(?:19|20)\d\d)年(?P<zh_month>\d{1,2})月")
_YEAR = re.compile(r"(?<![\d-])(?:19|20)\d\d(?![\d-])")
_EVENT_CUES = [
    ("sanction", re.compile(r"Entity List|sanction|blacklist|实体清单|制裁", re.IGNORECASE)),
    ("partnership", re.compile(r"\bteamed (?:up )?with|\bpartner(?:ed|ship)|joined hands|cooperat|合作|携手")),
    ("milestone", re.compile(r"\b(?:over|more than) [\d,.]+ (?:million|billion)|\blisted on\b|\bIPO\b|went public"
                             r"|\blaunched\b|\brolled out\b|\breached\b|上市|突破|超过[\d.]+亿")),
]
_ANNOUNCED = re.compile(r"\bwill (?:submit|propose|bring)|\bplans? to (?:submit|propose)|拟提交|将提交|准备提交")


@dataclass
class Reading:
    text: str
    source: dict
    sessions: dict = field(default_factory=dict)  # body slug -> Session
    year: int | None = None
    delegates: list = field(default_factory=list)
    companies: list = field(default_factory=list)
    proposals: list = field(default_factory=list)
    company_events: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def as_json(self):
        return {
            "source": self.source,
            "session_year": self.year,
            "sessions": {body: {"id": session.pk, "slug": session.slug, "name": session.name_en}
                         for body, session in self.sessions.items()},
            "delegates": self.delegates,
            "companies": self.companies,
            "proposals": self.proposals,
            "company_events": self.company_events,
            "problems": self.problems,
        }


def theme_finder(themes):
    """A function from text to the slugs of the themes it names: a theme's name in either language or a part
    of it ("emergency response"), word endings aside (educational ~ education), or its initials (AI, IoT)."""
    phrases = []
    for theme in themes:
        if theme.name_zh and chinese.has_han(theme.name_zh):
            phrases.append((theme.slug, theme.name_zh, None))
        name = theme.name_en or ""
        forms = {name, *(part for part in re.split(r" and |, ", name) if part)}
        for form in forms:
            stems = [_stem(word) for word in form.lower().split()]
            if stems:
                pattern = r"(?<![\w-])" + r"[\w-]*\W+".join(re.escape(stem) for stem in stems) + r"[\w-]*"
                phrases.append((theme.slug, None, re.compile(pattern, re.IGNORECASE)))
        words = name.split()
        if 2 <= len(words) <= 3:
            initials = "".join(word[0].lower() if word.lower() in ("of", "and") else word[0].upper() for word in words)
            phrases.append((theme.slug, None, re.compile(rf"(?<![\w-]){re.escape(initials)}(?![\w-])")))

    def find(text):
        return frozenset(slug for slug, han, pattern in phrases
                         if (han and han in text) or (pattern and pattern.search(text)))

    return find


def _stem(word):
    for suffix in ("ational", "ation", "ional", "ions", "ion", "ing", "ies", "al", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def read(text, *, title="", author="", publisher="", url="", published_on=None):
    """The Reading of a report's text. Raises IntakeError for text that cannot be a report."""
    text = clean_text(text)
    split = sentences.split(text)
    delegates = list(Delegate.objects.prefetch_related("memberships__body"))
    directory = names.Directory(delegates, list(Company.objects.all()))
    found = names.find(text, split, directory)
    existing = Source.objects.filter(text_hash=Source.hash_of(text)).first()
    reading = Reading(text, {
        "title": title or _first_line(split), "author": author, "publisher": publisher, "url": url,
        "published_on": published_on.isoformat() if published_on else None, "characters": len(text),
        "existing_id": existing.pk if existing else None,
    })
    year, sessions = _sessions(text, published_on)
    reading.year, reading.sessions = year, sessions

    seated = {}  # person key -> body slug
    for person in found.people.values():
        body = next(iter(person.bodies), None)
        if body is None and person.delegate is not None:
            body = next((seat.body.slug for seat in person.delegate.memberships.all()
                         if seat.body.slug in sessions), None)
        if body or person.delegate is not None:
            seated[person.key] = body
    themes = list(Theme.objects.all())
    finder = theme_finder(themes)
    all_asks = asking.find_asks(text, split, found, set(seated), finder)
    askers = {ask.person for ask in all_asks}
    for person in found.people.values():
        if person.key in seated and (person.key in askers or person.delegate is not None or person.bodies):
            reading.delegates.append(_delegate_item(person, seated[person.key], sessions, found))
    reading.companies = _company_items(found, reading.delegates)
    ideas = asking.group(all_asks)
    _proposal_items(reading, ideas, found, seated, existing)
    _company_events(reading, split, found, existing, published_on, sessions)
    if not reading.delegates:
        reading.problems.append(_("The report names no delegate the tracker knows and no one with a seat in the "
                                  "NPC or the CPPCC: there is nothing to take in."))
    if not sessions:
        reading.problems.append(_("No session in the tracker matches the report's year and dates: add the session "
                                  "first, or give the report's date."))
    return reading


def _first_line(split):
    for sentence in split:
        if sentence.is_heading and not _YEAR.search(sentence.text):
            return sentence.text[:300]
    return split[0].text[:300] if split else ""


def _sessions(text, published_on):
    """The year the report speaks of and its session of each body: by the report's date when given, else by
    the sessions whose opening or closing day it mentions, else by the years it names."""
    sessions = list(Session.objects.select_related("body"))
    if not sessions:
        return None, {}
    score = {}
    days = set()
    for match in _MONTH_DAY.finditer(text):
        month = match.group("month") or match.group("month2")
        day = match.group("day") or match.group("day2")
        if match.group("zh_month"):
            days.add((int(match.group("zh_month")), int(match.group("zh_day"))))
        elif month and month.lower() in _MONTHS and 1 <= int(day) <= 31:
            days.add((_MONTHS[month.lower()], int(day)))
    years = [int(year) for year in _YEAR.findall(text)]
    for session in sessions:
        points = 0
        if published_on:
            closed = session.closed_on or session.opened_on
            if session.opened_on - datetime.timedelta(days=90) <= published_on <= closed + datetime.timedelta(days=60):
                points += 10
        if (session.opened_on.month, session.opened_on.day) in days:
            points += 3
        if session.closed_on and (session.closed_on.month, session.closed_on.day) in days:
            points += 2
        points += min(years.count(session.year), 3)
        score[session.year] = score.get(session.year, 0) + points
    year, points = max(score.items(), key=lambda item: (item[1], item[0]))
    if points == 0:
        return None, {}
    return year, {session.body.slug: session for session in sessions if session.year == year}


def _delegate_item(person, body, sessions, found):
    delegate = person.delegate
    session = sessions.get(body) if body else None
    positions = [{"company": position.company, "company_name": found.companies[position.company].name,
                  "position": position.position} for position in person.positions]
    return {
        "key": person.key, "name": person.name,
        "match": {"id": delegate.pk, "slug": delegate.slug, "name_en": delegate.name_en,
                  "name_zh": delegate.name_zh, "how": person.how} if delegate else None,
        "body": body, "role": person.bodies.get(body, ("deputy" if body == "npc" else "member",))[0] if body else "",
        "session": session.slug if session else None,
        "chinese": person.chinese,
        "positions": positions,
        "mentions": len(person.mentions),
    }


def _company_items(found, delegates):
    wanted = {position["company"] for item in delegates for position in item["positions"]}
    items = []
    for company in found.companies.values():
        if company.company is None and company.key not in wanted:
            continue
        items.append({
            "key": company.key, "name": company.name,
            "match": {"id": company.company.pk, "slug": company.company.slug, "name_en": company.company.name_en,
                      "name_zh": company.company.name_zh} if company.company else None,
            "mentions": len(company.mentions),
        })
    return items


def _proposal_items(reading, ideas, found, seated, source):
    text, sessions = reading.text, reading.sessions
    offered = {item["key"]: item for item in reading.delegates}
    for number, idea in enumerate(ideas, 1):
        person = found.people[idea.person]
        body = seated.get(idea.person)
        session = sessions.get(body) if body else None
        if idea.person not in offered:
            continue
        if session is None:
            reading.problems.append(_("%(name)s asks for something, but the report gives no seat in a session the "
                                      "tracker has: no draft offered.") % {"name": person.name})
            continue
        start, end = asking.quote_span(idea)
        distinct = asking.distinct_asks(idea)
        summary = " ".join(ask.sentence.text for ask in distinct)
        is_chinese = chinese.has_han(summary)
        published_on = reading.source["published_on"]
        announced = bool(_ANNOUNCED.search(summary)) or (
            published_on and datetime.date.fromisoformat(published_on) < session.opened_on)
        title = asking.title_of(idea, text)
        item = {
            "key": f"proposal-{number}", "sponsor": idea.person, "sponsor_name": person.name,
            "session": session.slug, "kind": Proposal.Kind.CPPCC_PROPOSAL if body == "cppcc" else "",
            "language": "zh" if is_chinese else "en",
            "title": title, "slug": slugify(title)[:80] if not is_chinese else "",
            "summary": summary[:5000], "themes": sorted(idea.themes),
            "status": "announced" if announced else "submitted",
            "date": (published_on if announced and published_on else session.opened_on.isoformat()),
            "date_approximate": not (announced and published_on),
            "quote": text[start:end], "quote_start": start, "quote_end": end,
            "asks": [{"text": ask.sentence.text, "start": ask.sentence.start, "end": ask.sentence.end}
                     for ask in idea.asks],
            "repeats": [], "taken_in": None,
        }
        if source is not None:
            earlier = StatusEvent.objects.filter(source=source, quote_start__lt=end, quote_end__gt=start,
                                                 proposal__sponsorships__delegate_id=_delegate_id(person)).first()
            if earlier is not None:
                item["taken_in"] = earlier.proposal_id
        reading.proposals.append(item)
    _repeats(reading, found)


def _delegate_id(person):
    return person.delegate.pk if person.delegate else -1


def _repeats(reading, found):
    """Each draft's possible repeats: the sponsor's proposals of that session, and proposals close in meaning."""
    from proposals.meaning import embedding, index, themes

    if not reading.proposals:
        return
    embedder = embedding.backend()
    vectors = embedder.embed([item["summary"] for item in reading.proposals])
    everything = Proposal.objects.all()
    for item, vector in zip(reading.proposals, vectors, strict=True):
        person = found.people[item["sponsor"]]
        repeats = {}
        if person.delegate is not None:
            same = Proposal.objects.filter(session__slug=item["session"], sponsorships__delegate=person.delegate)
            for proposal in same.exclude(pk=item["taken_in"] or 0)[:20]:
                repeats[proposal.pk] = {"id": proposal.pk, "title": proposal.title_en or proposal.title_zh,
                                        "session": item["session"], "why": "same sponsor and session", "score": None}
        # One search serves both: every proposal may be a neighbour, so the nearest five are the first of eight.
        neighbours = index.nearest(vector, limit=8, proposals=everything, embedder=embedder)
        for pk, score in neighbours[:5]:
            if score >= embedder.bands.close and pk != item["taken_in"]:
                entry = repeats.get(pk)
                if entry:
                    entry["score"] = round(float(score), 3)
                else:
                    repeats[pk] = {"id": pk, "title": "", "session": "", "why": "close in meaning",
                                   "score": round(float(score), 3)}
        missing = [pk for pk, entry in repeats.items() if not entry["title"]]
        for proposal in Proposal.objects.filter(pk__in=missing).select_related("session"):
            repeats[proposal.pk].update(title=proposal.title_en or proposal.title_zh, session=proposal.session.slug)
        item["repeats"] = sorted(repeats.values(), key=lambda entry: -(entry["score"] or 1.0))
        if not item["themes"]:
            item["themes"] = [theme.slug for theme, score in themes.suggest(vector, neighbours, limit=2)
                              if score >= 0.5]
            item["themes_suggested_by_meaning"] = True


def _event_date(sentence_text, published_on, sessions):
    match = _MONTH_YEAR.search(sentence_text)
    if match:
        if match.group("zh_year"):
            return datetime.date(int(match.group("zh_year")), int(match.group("zh_month")), 1), True
        month = _MONTHS.get(match.group("month").lower())
        if month:
            return datetime.date(int(match.group("year")), month, 1), True
    if published_on:
        return published_on, True
    if sessions:
        return min(session.opened_on for session in sessions.values()), True
    return None, True


def _company_events(reading, split, found, source, published_on, sessions):
    offered = {item["key"] for item in reading.companies}
    asked = {(ask["start"], ask["end"]) for item in reading.proposals for ask in item["asks"]}
    text = reading.text
    for sentence in split:
        if (sentence.start, sentence.end) in asked or sentence.is_heading:
            continue
        kind = next((kind for kind, cue in _EVENT_CUES if cue.search(sentence.text)), None)
        if kind is None:
            continue
        named = sorted((start, key) for key, company in found.companies.items() if key in offered
                       for start, end in company.mentions if sentence.start <= start and end <= sentence.end)
        if not named:
            continue
        company = found.companies[named[0][1]]
        date, approximate = _event_date(sentence.text, published_on, sessions)
        if date is None:
            continue
        item = {
            "key": f"event-{len(reading.company_events) + 1}", "company": company.key, "company_name": company.name,
            "kind": kind, "title": sentence.text[:150], "description": sentence.text[:5000],
            "date": date.isoformat(), "date_approximate": approximate,
            "quote": text[sentence.start:sentence.end], "quote_start": sentence.start, "quote_end": sentence.end,
            "taken_in": None,
        }
        if source is not None and company.company is not None:
            earlier = CompanyEvent.objects.filter(Q(source=source), company=company.company,
                                                  quote_start=sentence.start).first()
            item["taken_in"] = earlier.pk if earlier else None
        reading.company_events.append(item)


__all__ = ["IntakeError", "Reading", "read"]
