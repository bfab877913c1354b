"""Bilingual names: each object stores English and Chinese forms and shows the reader's language first."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def reader_prefers_chinese():
    return (get_language() or "en").lower().startswith("zh")


def in_language(english, chinese, prefer_chinese):
    """(the form to show, the other form to show beside it, or "" when it is missing or the same)."""
    shown = (chinese or english) if prefer_chinese else (english or chinese)
    other = english if shown == chinese else chinese
    return shown, ("" if other == shown else other)


class BilingualMixin:
    """Adds `localized(field)`/`alongside(field)` for any pair of `<field>_en` and `<field>_zh` attributes."""

    def _forms(self, field):
        return in_language(getattr(self, f"{field}_en"), getattr(self, f"{field}_zh"), reader_prefers_chinese())

    def localized(self, field):
        return self._forms(field)[0]

    def alongside(self, field):
        """The other language's form, or "" when it is missing or the same."""
        return self._forms(field)[1]


class NamedRecord(BilingualMixin, models.Model):
    """A record readers browse by and addresses name: a unique slug, and its name in English and Chinese."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.localized("name")
