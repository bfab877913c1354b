"""Search: every word must match, in either language; PostgreSQL ranks, stems and uses its indexes."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from proposals.models import Proposal

from . import factories

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")


@pytest.fixture
def proposals():
    session = factories.session()
    return {
        "warning": factories.proposal(
            session=session, title_en="National disaster warning system on smart devices",
            title_zh="关于利用智能终端建设国家灾害预警系统的建议",
            summary_en="Phones and televisions should carry emergency alerts.", summary_zh="手机和电视应推送预警信息。",
        ),
        "satellite": factories.proposal(
            session=session, title_en="Satellite internet in the Five-Year Plan", title_zh="卫星互联网纳入五年规划",
            summary_en="Streamline frequency applications for satellite networks.", summary_zh="简化卫星频率申请。",
        ),
        "security": factories.proposal(
            session=session, title_en="A national cybersecurity protective system",
            title_zh="构建国家网络安全保护体系",
            summary_en="Security standards for 5G networks and the Internet of Things.",
            summary_zh="制定5G网络安全标准。",
        ),
    }


def found(text, **options):
    return {proposal.title_en for proposal in Proposal.objects.search(text, **options)}


def test_an_english_word_in_a_title_or_a_summary(proposals):
    assert found("satellite") == {proposals["satellite"].title_en}
    assert found("networks") == {proposals["satellite"].title_en, proposals["security"].title_en}


def test_every_word_must_match(proposals):
    assert found("satellite frequency") == {proposals["satellite"].title_en}
    assert found("satellite cybersecurity") == set()


def test_chinese_words_match_inside_unspaced_text(proposals):
    assert found("灾害预警") == {proposals["warning"].title_en}
    assert found("安全") == {proposals["security"].title_en}
    assert found("频率") == {proposals["satellite"].title_en}


def test_chinese_and_english_words_together(proposals):
    assert found("卫星 frequency") == {proposals["satellite"].title_en}
    assert found("卫星 cybersecurity") == set()


def test_blank_text_filters_nothing(proposals):
    assert Proposal.objects.search("  ").count() == 3


def test_filter_by_q_uses_search(proposals):
    assert set(Proposal.objects.filter_by(q="warning")) == {proposals["warning"]}


@on_postgresql
def test_english_words_are_stemmed(proposals):
    assert found("warnings") == {proposals["warning"].title_en}


@on_postgresql
def test_ranked_title_matches_come_before_summary_matches(proposals):
    ranked = list(Proposal.objects.search("satellite networks", ordered_by_rank=True))
    assert ranked == [proposals["satellite"]]
    ranked = list(Proposal.objects.search("security", ordered_by_rank=True))
    assert ranked == [proposals["security"]]
    proposals["warning"].summary_en = "Security of alerts."
    proposals["warning"].save()
    ranked = [p.pk for p in Proposal.objects.search("security", ordered_by_rank=True)]
    assert ranked == [proposals["security"].pk, proposals["warning"].pk]
    assert ranked[0] != proposals["warning"].pk


@on_postgresql
@pytest.mark.parametrize(
    "text, index", [("satellite", "proposal_search_idx"), ("卫星互联网", "proposal_title_zh_trgm_idx")]
)
def test_search_uses_its_indexes(proposals, text, index):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Proposal.objects.order_by().search(text).explain()
    assert index in plan


@on_postgresql
def test_the_search_document_follows_edits(proposals):
    proposal = proposals["warning"]
    proposal.title_en = "Earthquake early alerts"
    proposal.save()
    assert found("earthquake") == {"Earthquake early alerts"}


def test_the_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
