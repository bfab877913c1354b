"""The 2020 data set and `load_seed`: what it loads, that loading again changes nothing, and refused files."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from people.models import Affiliation, Company, CompanyEvent, Delegate, Membership
from proposals import seed
from proposals.lifecycle import Status
from proposals.models import Authority, Body, Proposal, Session, Source, Sponsorship, StatusEvent, Theme

from . import factories

pytestmark = pytest.mark.django_db

SEEDED_MODELS = [Body, Session, Theme, Authority, Source, Company, CompanyEvent, Delegate, Membership, Affiliation,
                 Proposal, Sponsorship, StatusEvent]


@pytest.fixture(scope="module")
def data():
    return seed.read(seed.DEFAULT_PATH)


def load_seed(path=None):
    out = io.StringIO()
    call_command("load_seed", *(["--path", str(path)] if path else []), stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(module_db):
    """The data set loaded once, for the tests that read it or change it only inside their own transaction."""
    load_seed()


def write(tmp_path, data):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def counts():
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def nested_count(records, key):
    return sum(len(record.get(key, [])) for record in records)


def test_counts_match_the_file(data, seeded):
    assert counts() == {
        "Body": len(data["bodies"]),
        "Session": len(data["sessions"]),
        "Theme": len(data["themes"]),
        "Authority": len(data["authorities"]),
        "Source": len(data["sources"]),
        "Company": len(data["companies"]),
        "CompanyEvent": nested_count(data["companies"], "events"),
        "Delegate": len(data["delegates"]),
        "Membership": nested_count(data["delegates"], "memberships"),
        "Affiliation": nested_count(data["delegates"], "affiliations"),
        "Proposal": len(data["proposals"]),
        "Sponsorship": nested_count(data["proposals"], "sponsors"),
        "StatusEvent": nested_count(data["proposals"], "events"),
    }


def test_the_file_holds_both_bodies_seven_delegates_and_their_proposals(data, seeded):
    assert set(Body.objects.values_list("slug", "kind")) == {("npc", "congress"), ("cppcc", "conference")}
    assert Delegate.objects.count() == 7 and Company.objects.count() == 7
    assert Proposal.objects.count() >= 10
    assert set(Proposal.objects.values_list("sponsorships__delegate__slug", flat=True)) == set(
        Delegate.objects.values_list("slug", flat=True)
    )


def test_running_twice_changes_nothing(seeded):
    before = counts()
    stamps = dict(StatusEvent.objects.values_list("pk", "updated_at"))
    proposal_stamps = dict(Proposal.objects.values_list("pk", "updated_at"))
    history = StatusEvent.history.count(), Proposal.history.count()

    output = load_seed()

    assert counts() == before
    assert dict(StatusEvent.objects.values_list("pk", "updated_at")) == stamps
    assert dict(Proposal.objects.values_list("pk", "updated_at")) == proposal_stamps
    assert (StatusEvent.history.count(), Proposal.history.count()) == history
    assert "proposals: 0 created, 12 left alone" in output
    assert "status events: 0 created" in output


def test_first_run_reports_what_it_created(data):
    output = load_seed()
    assert f"proposals: {len(data['proposals'])} created, 0 left alone" in output
    assert f"delegates: {len(data['delegates'])} created, 0 left alone" in output


def test_every_proposal_is_submitted_once_inside_its_session_and_has_a_lead_sponsor(seeded):
    for proposal in Proposal.objects.with_related():
        events = list(proposal.status_events.all())
        submitted = [event for event in events if event.status == Status.SUBMITTED]
        assert len(submitted) == 1, proposal
        event = submitted[0]
        assert proposal.session.opened_on <= event.date <= proposal.session.closed_on
        assert event.date_approximate and event.note
        assert event.source.author == "Jingli Song"
        assert proposal.status == Status.SUBMITTED and proposal.status_date == event.date
        assert proposal.lead_sponsor is not None
        assert proposal.themes.exists() and proposal.sources.exists()


def test_chinese_names_are_present(seeded):
    for model in (Delegate, Company, Body, Session, Theme, Authority):
        assert not model.objects.filter(name_zh="").exists(), model
    assert Delegate.objects.get(slug="zhang-yunyong").name_zh == "张云勇"
    assert "Ma Huateng" in Delegate.objects.get(slug="pony-ma").other_names


def test_cppcc_proposals_are_cppcc_proposals_and_npc_kinds_stay_unknown(seeded):
    cppcc = Proposal.objects.filter_by(body="cppcc")
    npc = Proposal.objects.filter_by(body="npc")
    assert cppcc.exists() and npc.exists()
    assert set(cppcc.values_list("kind", flat=True)) == {Proposal.Kind.CPPCC_PROPOSAL}
    assert set(npc.values_list("kind", flat=True)) == {""}


def test_memberships_match_the_body_each_delegate_submitted_to(seeded):
    for sponsorship in Sponsorship.objects.select_related("proposal__session", "delegate"):
        bodies = set(sponsorship.delegate.memberships.values_list("body", flat=True))
        assert sponsorship.proposal.session.body_id in bodies


def test_the_source_names_what_it_is_and_is_not_sure_of(seeded):
    source = Source.objects.get()
    source.full_clean()
    assert (source.url, source.published_on) == ("", None)
    assert source.publisher and "KrASIA" in source.note and "People's Daily" in source.note
    assert CompanyEvent.objects.filter(source=source).count() == CompanyEvent.objects.count()


def test_company_events_are_dated_and_sourced(seeded):
    listing = CompanyEvent.objects.get(company__slug="qihoo-360")
    assert listing.kind == CompanyEvent.Kind.SANCTION
    assert "22 May 2020" in listing.description
    partnership = CompanyEvent.objects.get(company__slug="tencent")
    assert partnership.date_approximate and partnership.date.isoformat() == "2019-05-01"


def test_records_already_there_are_left_alone_and_the_rest_is_added(data, tmp_path):
    edited = factories.delegate(slug="lei-jun", name_en="Lei Jun (edited)")
    without_proposals = {key: value for key, value in data.items() if key != "proposals"}
    load_seed(write(tmp_path, without_proposals))
    assert Proposal.objects.count() == 0

    output = load_seed()

    assert Delegate.objects.get(slug="lei-jun").name_en == "Lei Jun (edited)"
    assert Proposal.objects.filter_by(delegate=edited).count() == 2
    assert Proposal.objects.count() == len(data["proposals"])
    assert "delegates: 0 created, 7 left alone" in output


def test_a_missing_event_is_added_to_a_proposal_already_there(seeded):
    proposal = Proposal.objects.get(slug="coding-in-national-curriculum")
    proposal.status_events.all().delete()

    load_seed()

    assert proposal.status_events.filter(status=Status.SUBMITTED).count() == 1
    assert StatusEvent.objects.count() == Proposal.objects.count()


def assert_refused(path, *expected_words):
    with pytest.raises(CommandError) as refused:
        load_seed(path)
    for word in expected_words:
        assert word in str(refused.value)
    assert all(count == 0 for count in counts().values()), "a refused file must write nothing"


def test_a_missing_key_is_refused_and_nothing_is_written(data, tmp_path):
    broken = copy.deepcopy(data)
    del broken["proposals"][-1]["title_en"]
    assert_refused(write(tmp_path, broken), "proposals[11]", "title_en", "missing")


def test_a_missing_natural_key_is_refused(data, tmp_path):
    broken = copy.deepcopy(data)
    del broken["delegates"][0]["slug"]
    assert_refused(write(tmp_path, broken), "delegates[0]", "'slug'")


def test_an_unknown_theme_is_refused_and_nothing_is_written(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["proposals"][-1]["themes"].append("quantum-computing")
    assert_refused(write(tmp_path, broken), "quantum-computing", "theme")


def test_an_unknown_key_is_refused(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["companies"][0]["websit"] = "https://example.org"
    assert_refused(write(tmp_path, broken), "companies[0]", "websit")


def test_an_event_the_lifecycle_refuses_is_refused(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["proposals"][0]["events"][0]["date"] = "2020-05-01"
    assert_refused(write(tmp_path, broken), "proposals[0]", "session opened on 2020-05-22")


def test_an_unknown_status_is_refused(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["proposals"][0]["events"][0]["status"] = "sent"
    assert_refused(write(tmp_path, broken), "proposals[0]", "status")


def test_a_bad_value_is_refused_with_the_field_named(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["sessions"][0]["opened_on"] = "22 May 2020"
    assert_refused(write(tmp_path, broken), "sessions[0]", "opened_on")


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text("{ not json", encoding="utf-8")
    assert_refused(path, "not valid JSON")


def test_a_missing_file_is_refused(tmp_path):
    assert_refused(tmp_path / "absent.json", "Cannot read")


def test_a_source_without_address_or_publisher_is_refused(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["sources"][0]["publisher"] = ""
    assert_refused(write(tmp_path, broken), "sources[0]", "address or at least its publisher")


def test_a_proposal_status_cannot_be_set_around_its_timeline(data, tmp_path):
    broken = copy.deepcopy(data)
    broken["proposals"][0]["status"] = "adopted"
    assert_refused(write(tmp_path, broken), "proposals[0]", "'status'")
