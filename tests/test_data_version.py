"""The site-wide data version moves once per write: not again for its history row, nor for an m2m pre-signal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.caching import VERSION_TABLE, data_version

from . import factories

pytestmark = pytest.mark.django_db


def bumps(action):
    with CaptureQueriesContext(connection) as captured:
        action()
    return sum(1 for query in captured.captured_queries if query["sql"].startswith(f"UPDATE {VERSION_TABLE}"))


def test_a_save_moves_the_version_once_although_it_writes_a_history_row():
    proposal = factories.proposal()
    proposal.title_en = "Satellite internet in the plan"
    before = data_version()
    assert bumps(proposal.save) == 1
    assert data_version() > before


def test_an_m2m_change_moves_the_version_once():
    proposal, theme = factories.proposal(), factories.theme()
    assert bumps(lambda: proposal.themes.add(theme)) == 1
    assert bumps(lambda: proposal.themes.remove(theme)) == 1
    assert bumps(proposal.themes.clear) == 1


def test_a_delete_moves_the_version_once():
    theme = factories.theme()
    assert bumps(theme.delete) == 1
