"""Bilingual names: each object stores English and Chinese forms and shows the reader's language first."""

from django.utils.translation import get_language


def reader_prefers_chinese():
    return (get_language() or "en").lower().startswith("zh")


class BilingualMixin:
    """Adds `name`/`other_name` (or `title`/`other_title`) picked by the active language."""

    def localized(self, field):
        english, chinese = getattr(self, f"{field}_en"), getattr(self, f"{field}_zh")
        if reader_prefers_chinese():
            return chinese or english
        return english or chinese

    def alongside(self, field):
        """The other language's form, or "" when it is missing or the same."""
        english, chinese = getattr(self, f"{field}_en"), getattr(self, f"{field}_zh")
        shown = self.localized(field)
        other = english if shown == chinese else chinese
        return "" if other == shown else other
