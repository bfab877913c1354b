"""Bilingual names: each object stores English and Chinese forms and shows the reader's language first."""

import re

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def reader_prefers_chinese():
    return (get_language() or "en").lower().startswith("zh")


def natural_key(text):
    """"Company 2" before "Company 10": runs of digits compare as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text or "")]


def reader_name_key(obj):
    """A name in the reader's order: pinyin of the Chinese name for Chinese readers (the order of Chinese
    dictionaries and indexes), else the English name; numbers in either compare as numbers."""
    if reader_prefers_chinese() and obj.name_zh:
        from pypinyin import lazy_pinyin

        return natural_key(" ".join(lazy_pinyin(obj.name_zh)))
    return natural_key(obj.name_en)


CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(number):
    """1-99 in Chinese numerals (13 → 十三), as terms of the NPC and CPPCC are written."""
    tens, units = divmod(number, 10)
    if not 0 < number < 100:
        return str(number)
    if tens == 0:
        return CHINESE_DIGITS[units]
    return f"{'' if tens == 1 else CHINESE_DIGITS[tens]}十{CHINESE_DIGITS[units] if units else ''}"


# Chinese text takes Chinese punctuation: 、 between items of a list, ； between clauses, ： after a label,
# full-width brackets.
def listed(items):
    return ("、" if reader_prefers_chinese() else ", ").join(str(item) for item in items)


def clauses(items):
    return ("；" if reader_prefers_chinese() else "; ").join(str(item) for item in items)


def aside(text):
    """A remark in brackets after what it qualifies: " (overdue)" or "（逾期）"."""
    return f"（{text}）" if reader_prefers_chinese() else f" ({text})"


def labelled(label, value):
    return f"{label}{'：' if reader_prefers_chinese() else ': '}{value}"


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
    # Moves on with every save (and with a change of what the API shows inside it): clients sync on it.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name_en

    @property
    def name(self):
        return self.localized("name")
