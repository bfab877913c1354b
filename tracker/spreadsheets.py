"""Cells that spreadsheets read as the tracker meant them: one rule for every CSV the tracker writes or reads back.

A cell beginning with =, +, -, @, a tab or a carriage return is a formula to Excel, LibreOffice and Google
Sheets (OWASP, "CSV injection"); a leading apostrophe makes the spreadsheet show it as text. An already
escaped value is escaped again, so that reading a file back undoes exactly what writing it did.
"""

import datetime

from django.utils.translation import gettext as _

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def _reads_as_formula(value):
    return isinstance(value, str) and value.lstrip(ESCAPE).startswith(FORMULA_TRIGGERS)


def escape_formula(value):
    return ESCAPE + value if _reads_as_formula(value) else value


def unescape_formula(value):
    return value[1:] if _reads_as_formula(value) and value.startswith(ESCAPE) else value


def cell(value):
    """One value as CSV text: empty for None, true/false, ISO dates, UTC times with a Z as the JSON API writes
    them, and text escaped where a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return escape_formula(str(value))


TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0", ""}


def read_flag(value):
    """A true/false cell as the tracker writes it (an empty cell is false); any other word is refused, so that
    a typo is reported rather than read as false."""
    word = str(value if value is not None else "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is not true or false.") % {"value": str(value)[:40]})
