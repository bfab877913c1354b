"""Chinese text for search: traditional to simplified (OpenCC), words (jieba), names in pinyin (pypinyin).

Pure text functions, no database: the search (proposals.querysets), the stored segmented column
(Proposal.search_zh) and the name keys of delegates and companies all go through here, so the text a query
is cut into and the text a document was cut into are cut the same way. Each library loads on first use:
jieba's dictionary takes about half a second, which a process pays once.
"""

import functools
import logging
import re
import unicodedata

# Han characters (and CJK punctuation): words written without spaces.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+")
# Words too common to narrow a search: a query word "的" must not have to appear in every match.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 在 对 等 将 把 为 是 并 其 之 也 又 由 于 从 向 以 而 且 被 就 都 这 那".split()
)


def has_han(text):
    return bool(HAN.search(text or ""))


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text):
    """`text` with traditional characters written as simplified ones (衛星網路 → 卫星网路); other text unchanged."""
    if not has_han(text):
        return text or ""
    return _converter().convert(text)


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces building its dictionary on every first use
    jieba.initialize()
    return jieba


def query_words(text):
    """The Chinese words of a query, each of which a match must contain: 卫星互联网建设 → 卫星, 互联网, 建设.

    Cut precisely (jieba's default mode) and without stop words or punctuation; text without Han
    characters gives no words here.
    """
    text = simplified(text)
    if not has_han(text):
        return []
    return [word for word in _jieba().lcut(text) if has_han(word) and word not in STOP_WORDS]


def index_words(text):
    """The words a document is found by: jieba's search mode, which adds the shorter words inside long ones
    (互联网 gives 互联网 and 联网), so that a query cut precisely finds them. Space-separated, lower-case."""
    text = simplified(text)
    if not has_han(text):
        return ""
    words = [word.lower() for word in _jieba().cut_for_search(text) if _WORD.fullmatch(word)]
    return " ".join(words)


def _toneless(text):
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def plain_pinyin(text):
    """Pinyin as a reader may type it, made comparable: no tones (marks or digits), no spaces, lower case.

    `Léi Jūn`, `lei2 jun1`, `Lei Jun` and `leijun` all give `leijun`; `Xi'an` gives `xian`.
    """
    return re.sub(r"[^a-z]", "", _toneless(text or "").lower().replace("ü", "v"))


def pinyin_of(chinese):
    """The toneless pinyin of a Chinese name, syllable by syllable: 雷军 → ['lei', 'jun']."""
    from pypinyin import lazy_pinyin

    return [syllable for syllable in lazy_pinyin(simplified(chinese)) if syllable.isalpha()]


def name_key(*, chinese="", pinyin="", other=""):
    """What a name is matched by when typed in pinyin: space-separated compact forms, each as `plain_pinyin`
    makes them: the Chinese name read in pinyin, surname first and given name first (leijun junlei), and the
    given pinyin and other names. A typed name matches when its plain form is inside one of them.
    """
    forms = []
    syllables = pinyin_of(chinese) if has_han(chinese) else []
    if syllables:
        forms.append("".join(syllables))
        if len(syllables) > 1:
            forms.append("".join(syllables[1:] + syllables[:1]))
    for given in (pinyin, *re.split(r"[,;/]", other or "")):
        parts = [plain_pinyin(part) for part in given.split()]
        parts = [part for part in parts if part]
        if parts:
            forms.append("".join(parts))
            if len(parts) > 1:
                forms.append("".join(parts[1:] + parts[:1]))
    return " ".join(dict.fromkeys(forms))[:300]
