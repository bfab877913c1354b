"""Sentences with their character offsets in the report, for English and Chinese text.

A paragraph is a line; a sentence ends at 。！？ (with any closing quote or bracket after it), or at . ! ?
followed by a space and a capital, a digit or an opening quote, unless the word before the full stop is a
known abbreviation or a single capital (U.S., Mr.).
"""

from dataclasses import dataclass

_CHINESE_ENDS = "。！？"
_LATIN_ENDS = ".!?"
_CLOSERS = "”’\"'」』）)】"
_OPENERS = "“‘\"'「『（(【"
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st no vs etc inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec gov gen "
    "rep sen jr sr e.g i.e u.s u.k".split()
)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int

    @property
    def is_heading(self):
        """A short line without a full stop: a subheading, a caption's credit, a byline."""
        return len(self.text) < 90 and self.text[-1:] not in _LATIN_ENDS + _CHINESE_ENDS + _CLOSERS


def split(text):
    """Every sentence of `text`, in order; `text[s.start:s.end] == s.text` for each."""
    sentences = []
    position = 0
    for number, line in enumerate(text.split("\n")):
        for start, end in _spans(line):
            sentences.append(Sentence(position + start, position + end, line[start:end], number))
        position += len(line) + 1
    return sentences


def _spans(line):
    """(start, end) of each sentence of one line, without the spaces around it."""
    spans, start, index, length = [], 0, 0, len(line)
    while index < length:
        character = line[index]
        end = None
        if character in _CHINESE_ENDS:
            end = index + 1
        elif character in _LATIN_ENDS and _ends_latin_sentence(line, index):
            end = index + 1
        if end is not None:
            while end < length and line[end] in _CLOSERS:
                end += 1
            _add(spans, line, start, end)
            start = index = end
            continue
        index += 1
    _add(spans, line, start, length)
    return spans


def _ends_latin_sentence(line, index):
    after = index + 1
    while after < len(line) and line[after] in _CLOSERS:
        after += 1
    if after >= len(line):
        return True
    if not line[after].isspace():
        return False
    following = line[after:].lstrip()
    if not following or not (following[0].isupper() or following[0].isdigit() or following[0] in _OPENERS):
        return False
    if line[index] == ".":
        word_start = index
        while word_start > 0 and not line[word_start - 1].isspace():
            word_start -= 1
        word = line[word_start:index].strip(_OPENERS).lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    return True


def _add(spans, line, start, end):
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
