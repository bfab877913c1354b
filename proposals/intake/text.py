"""A report's plain text, from a paste or an uploaded .txt/.html file, or a clear refusal.

HTML is read with the standard library's HTMLParser: scripts, styles and other non-text elements are
dropped, block elements end a line, and character references are decoded by the parser itself.
"""

import unicodedata
from html.parser import HTMLParser

from django.utils.translation import gettext as _

# A long report is 10,000 words (about 60,000 characters); ten times that is surely not one report.
MAX_CHARACTERS = 600_000
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt", ".text", *HTML_SUFFIXES)

_DROPPED = frozenset("script style noscript template svg head iframe object canvas math button select".split())
_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer aside blockquote pre figure "
    "figcaption hr dd dt dl main nav title".split()
)


class IntakeError(ValueError):
    """The input cannot be read as a report; `field` names what to correct, the message says how."""

    def __init__(self, message, field="text"):
        super().__init__(message)
        self.field = field
        self.message = message


class _TextOfHTML(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _DROPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping and data:
            words = " ".join(data.split())
            lead = " " if data[0].isspace() else ""
            tail = " " if data[-1].isspace() and words else ""
            self.parts.append(f"{lead}{words}{tail}")


def html_to_text(html):
    parser = _TextOfHTML()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    paragraphs, blank = [], False
    for line in lines:
        if line:
            paragraphs.append(line)
            blank = False
        elif not blank and paragraphs:
            paragraphs.append("")
            blank = True
    return "\n".join(paragraphs).strip()


def looks_like_html(text):
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<p>" in head or "<body" in head or "<div" in head)


def decode_upload(data, name=""):
    """The text of an uploaded file (bytes), or IntakeError naming the file field."""
    name = (name or "").lower()
    if name and not name.endswith(TEXT_SUFFIXES):
        raise IntakeError(_("Upload a .txt or .html file."), field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise IntakeError(_("The file is larger than %(size)d MB: upload one report at a time.")
                          % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}, field="file")
    if b"\x00" in data[:8192]:
        raise IntakeError(_("This file is not text (it holds binary data): upload the report as .txt or .html."),
                          field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IntakeError(_("This file is not UTF-8 text: save the report as UTF-8 and upload it again."),
                          field="file") from None
    if name.endswith(HTML_SUFFIXES) or (not name.endswith(".txt") and looks_like_html(text)):
        text = html_to_text(text)
    return clean_text(text, field="file")


def clean_text(text, field="text"):
    """The pasted text made ready to read (line ends unified), or IntakeError when it cannot be a report."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CHARACTERS:
        raise IntakeError(_("The text has %(count)s characters; a report is at most %(limit)s. Paste one report "
                            "at a time.") % {"count": f"{len(text):,}", "limit": f"{MAX_CHARACTERS:,}"}, field=field)
    if "\x00" in text or _control_share(text) > 0.01:
        raise IntakeError(_("The text holds binary data, not a report: paste the report's words."), field=field)
    if not text.strip():
        raise IntakeError(_("The text is empty: paste the report or upload its file."), field=field)
    if sum(character.isalpha() for character in text) < 20:
        raise IntakeError(_("The text has too few words to be a report."), field=field)
    return text


def _control_share(text):
    if not text:
        return 0.0
    sample = text[:20_000]
    controls = sum(1 for character in sample
                   if character not in "\n\t" and unicodedata.category(character) in ("Cc", "Cs", "Co"))
    return controls / len(sample)
