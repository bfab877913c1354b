"""Cells that spreadsheets read as the tracker meant them: one rule for every CSV the tracker writes or reads back.

A cell beginning with =, +, -, @, a tab or a carriage return is a formula to Excel, LibreOffice and Google
Sheets (OWASP, "CSV injection"); a leading apostrophe makes the spreadsheet show it as text. An already
escaped value is escaped again, so that reading a file back undoes exactly what writing it did.
"""

import datetime

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
