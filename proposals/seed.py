"""Load a reviewable JSON data set into the database: bodies, sessions, themes, authorities, sources,
companies and their events, delegates with their seats and positions, proposals and their timelines.

Every record is matched by a natural key (a slug; a proposal by its session and slug; a timeline event by
its proposal, status and source), so loading a file twice, or onto data that is partly there, only adds
what is missing. Records already in the database are left alone: editors may have improved them since.
"""

import datetime
import json
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from people.models import Affiliation, Company, CompanyEvent, Delegate, Membership

from .models import Authority, Body, Proposal, Session, Source, Sponsorship, StatusEvent, Theme
from .services import publish, record_status, set_sponsors

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "two_sessions_2020.json"
SECTIONS = ["about", "bodies", "sessions", "themes", "authorities", "sources", "companies", "delegates", "proposals"]
EVENT_FIELDS = {"status", "date", "date_approximate", "source", "note", "authority", "handling_role",
                "reply_grade", "reply_url", "reply_public", "verdict", "adopted_in"}


class SeedError(Exception):
    """The data file cannot be loaded; the message names the record and the key at fault."""


class Tally:
    """How many records of each model were created and how many were already there."""

    def __init__(self):
        self.counts = {}  # verbose plural name -> [created, left alone], in the order the loader met them

    def count(self, model, created):
        counts = self.counts.setdefault(str(model._meta.verbose_name_plural), [0, 0])
        counts[0 if created else 1] += 1

    def lines(self):
        return [f"{name}: {created} created, {kept} left alone" for name, (created, kept) in self.counts.items()]


def read(path):
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except OSError as error:
        raise SeedError(f"Cannot read {path}: {error.strerror}.") from error
    except json.JSONDecodeError as error:
        raise SeedError(f"{path} is not valid JSON: {error}.") from error
    if not isinstance(data, dict):
        raise SeedError(f"{path} must hold one JSON object with the sections {', '.join(SECTIONS)}.")
    return data


def load(data):
    """Load a parsed data file in one transaction: all of it, or nothing when any record is refused."""
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise SeedError(f"Unknown section {', '.join(map(repr, unknown))}; expected {', '.join(SECTIONS)}.")
    loader = _Loader()
    with transaction.atomic():
        loader.load(data)
    return loader.tally


class _Loader:
    def __init__(self):
        self.tally = Tally()
        self.sources = {}  # the file's own reference -> Source

    def load(self, data):
        for where, record in _records(data, "bodies"):
            self.ensure(Body, record, where, key=["slug"])
        for where, record in _records(data, "sessions"):
            self.ensure(Session, record, where, key=["slug"], refs={"body": Body})
        for where, record in _records(data, "themes"):
            self.ensure(Theme, record, where, key=["slug"], refs={"parent": Theme})
        for where, record in _records(data, "authorities"):
            self.ensure(Authority, record, where, key=["slug"])
        for where, record in _records(data, "sources"):
            self.load_source(record, where)
        for where, record in _records(data, "companies"):
            company = self.ensure(Company, record, where, key=["slug"], nested=["events"])
            for child, event in _records(record, "events", where):
                self.ensure(CompanyEvent, {**event, "company": company}, child, key=["company", "title"],
                            refs={"source": Source})
        for where, record in _records(data, "delegates"):
            delegate = self.ensure(Delegate, record, where, key=["slug"], nested=["memberships", "affiliations"])
            for child, seat in _records(record, "memberships", where):
                self.ensure(Membership, {**seat, "delegate": delegate}, child,
                            key=["delegate", "body", "term", "role"], refs={"body": Body})
            for child, position in _records(record, "affiliations", where):
                self.ensure(Affiliation, {**position, "delegate": delegate}, child,
                            key=["delegate", "company", "position"], refs={"company": Company})
        for where, record in _records(data, "proposals"):
            self.load_proposal(record, where)

    def load_source(self, record, where):
        _require(record, ["ref", "title"], where)
        fields = {name: value for name, value in record.items() if name != "ref"}
        # Sources have no slug: one with an address is known by it, one without by its title and author.
        key = ["url"] if fields.get("url") else ["title", "author"]
        fields.setdefault("author", "")
        self.sources[record["ref"]] = self.ensure(Source, fields, where, key=key)

    def load_proposal(self, record, where):
        nested = ["themes", "sponsors", "sources", "events"]
        proposal = self.ensure(Proposal, record, where, key=["session", "slug"], refs={"session": Session},
                               nested=nested)
        themes = [self.find(Theme, slug, f"{where}.themes") for slug in _list(record, "themes", where)]
        _add_missing(proposal.themes, themes)
        sources = [self.find(Source, ref, f"{where}.sources") for ref in _list(record, "sources", where)]
        _add_missing(proposal.sources, sources)
        sponsors = _list(record, "sponsors", where)
        if not sponsors:
            raise SeedError(f"{where}: list at least one sponsor; the first one leads.")
        delegates = [self.find(Delegate, slug, f"{where}.sponsors[{order}]") for order, slug in enumerate(sponsors)]
        # Sponsors already recorded are the editors' (like every record already there): left alone.
        created = not proposal.sponsorships.exists()
        if created:
            set_sponsors(proposal, delegates)
        for _delegate in delegates:
            self.tally.count(Sponsorship, created=created)
        for child, event in _records(record, "events", where):
            self.load_event(proposal, event, child)
        if getattr(proposal, "_created_by_loader", False):
            publish(proposal)  # a reviewed data set: its proposals are for readers as soon as they are loaded

    def load_event(self, proposal, record, where):
        _require(record, ["status", "date", "source"], where)
        unknown = sorted(set(record) - EVENT_FIELDS)
        if unknown:
            raise SeedError(f"{where}: unknown key {', '.join(map(repr, unknown))}.")
        fields = self.resolve(dict(record), {"source": Source, "authority": Authority}, where)
        fields["date"] = _date(fields["date"], f"{where}.date")
        try:
            # The field checks a form would make (known status, valid choices and address); the lifecycle
            # rules are record_status's own.
            StatusEvent(proposal=proposal, **fields).clean_fields()
        except ValidationError as error:
            raise SeedError(f"{where}: {_describe(error)}") from error
        # One claim per source: the same status from the same source is the same event, whatever its date
        # has been corrected to since.
        if proposal.status_events.filter(status=fields["status"], source=fields["source"]).exists():
            self.tally.count(StatusEvent, created=False)
            return
        try:
            record_status(proposal, **fields)
        except ValidationError as error:
            raise SeedError(f"{where}: {_describe(error)}") from error
        self.tally.count(StatusEvent, created=True)

    def ensure(self, model, record, where, *, key, refs=None, nested=()):
        """The record matched by its key fields, created (and validated) when it is not there yet."""
        _require(record, key, where)
        fields = {name: value for name, value in record.items() if name not in nested}
        # Only fields an editor may set: a proposal's status, for one, comes from its timeline alone.
        allowed = {field.name for field in model._meta.concrete_fields if field.editable and not field.auto_created}
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise SeedError(f"{where}: unknown key {', '.join(map(repr, unknown))}.")
        fields = self.resolve(fields, refs or {}, where)
        lookup = {name: fields.pop(name) for name in key}
        try:
            existing = model.objects.filter(**lookup).first()
        except (TypeError, ValueError, ValidationError) as error:
            raise SeedError(f"{where}: a key field has a value of the wrong type: {error}") from error
        if existing is not None:
            self.tally.count(model, created=False)
            return existing
        missing = [name for name in _required_fields(model) if name not in lookup and name not in fields]
        if missing:
            raise SeedError(f"{where}: missing key {', '.join(map(repr, missing))}.")
        instance = model(**lookup, **fields)
        try:
            instance.full_clean()
        except ValidationError as error:
            raise SeedError(f"{where}: {_describe(error)}") from error
        instance.save()
        instance._created_by_loader = True
        self.tally.count(model, created=True)
        return instance

    def resolve(self, fields, refs, where):
        """Replace the slugs (or the file's source references) in `refs` fields by the records they name."""
        for name, model in refs.items():
            if fields.get(name) not in (None, "") and not isinstance(fields[name], models.Model):
                fields[name] = self.find(model, fields[name], f"{where}.{name}")
        return fields

    def find(self, model, reference, where):
        if not isinstance(reference, str):
            raise SeedError(f"{where}: expected the slug of a {model._meta.verbose_name}, got {reference!r}.")
        if model is Source:
            found = self.sources.get(reference)
        else:
            found = model.objects.filter(slug=reference).first()
        if found is None:
            listed = "listed under 'sources'" if model is Source else "in the database or earlier in the file"
            raise SeedError(f"{where}: unknown {model._meta.verbose_name} {reference!r} (not {listed}).")
        return found


def _records(container, section, where=None):
    """(position, record) pairs of a list section, with a position like "proposals[3]" for messages."""
    records = container.get(section, [])
    prefix = f"{where}.{section}" if where else section
    if not isinstance(records, list):
        raise SeedError(f"{prefix}: expected a list.")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise SeedError(f"{prefix}[{index}]: expected an object.")
        name = record.get("slug") or record.get("ref") or record.get("title")
        yield (f"{prefix}[{index}] ({name})" if name else f"{prefix}[{index}]"), record


def _list(record, key, where):
    values = record.get(key, [])
    if not isinstance(values, list):
        raise SeedError(f"{where}.{key}: expected a list.")
    return values


def _require(record, keys, where):
    missing = [key for key in keys if key not in record]
    if missing:
        raise SeedError(f"{where}: missing key {', '.join(map(repr, missing))}.")


def _required_fields(model):
    return [
        field.name for field in model._meta.concrete_fields
        if not field.blank and not field.has_default() and field.editable and not field.auto_created
    ]


def _date(value, where):
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise SeedError(f"{where}: {value!r} is not a date written YYYY-MM-DD.") from error


def _add_missing(relation, records):
    # Adding only what is missing keeps a second run from writing history rows for links already there.
    present = set(relation.values_list("pk", flat=True))
    missing = [record for record in records if record.pk not in present]
    if missing:
        relation.add(*missing)


def _describe(error):
    if not hasattr(error, "message_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )
