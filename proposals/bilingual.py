"""Bilingual names: each object stores English and Chinese forms and shows the reader's language first."""

from django.utils.translation import get_language


def reader_prefers_chinese():
    return (get_language() or "en").lower().startswith("zh")


def in_language(english, chinese, prefer_chinese):
    """(the form to show, the other form to show beside it, or "" when it is missing or the same)."""
    shown = (chinese or english) if prefer_chinese else (english or chinese)
    other = english if shown == chinese else chinese
    return shown, ("" if other == shown else other)


class BilingualMixin:
    """Adds `name`/`other_name` (or `title`/`other_title`) picked by the active language."""

    def _forms(self, field):
        return in_language(getattr(self, f"{field}_en"), getattr(self, f"{field}_zh"), reader_prefers_chinese())

    def localized(self, field):
        return self._forms(field)[0]

    def alongside(self, field):
        """The other language's form, or "" when it is missing or the same."""
        return self._forms(field)[1]
