"""Is this word pinyin, is it a Chinese surname? For telling romanised Chinese names from other capitals."""

import functools

from proposals.meaning import chinese

# Common surnames (the first hundred or so of today's list), read in pinyin on first use.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤俞雍"
)
# Places written like names ("Hong Kong" reads as surname + given name).
_NOT_PEOPLE = frozenset({"hong kong", "xi an", "hang zhou", "he nan", "hu bei", "hu nan", "shang hai"})
# Capitalised at a sentence's start or as a title, never a given name: "When Li spoke", "Premier Li".
_NOT_GIVEN_NAMES = frozenset(
    "the this that these those when while after before then but and also yet so if as at in on for from with by "
    "to of since during although though however meanwhile still even only both each every some many most all "
    "mr mrs ms dr sir madam professor chairman chairwoman president premier minister vice deputy member ceo "
    "founder director secretary governor mayor general manager chief".split()
)


@functools.cache
def syllables():
    from pypinyin import lazy_pinyin

    found = set()
    characters = "".join(chr(point) for point in range(0x4E00, 0x9FA6))
    for syllable in lazy_pinyin(characters, errors="ignore"):
        if syllable.isascii() and syllable.isalpha():
            found.add(syllable.replace("ü", "v"))
    return frozenset(found)


@functools.cache
def surnames():
    return frozenset(chinese.pinyin_of(_SURNAMES))


def is_pinyin(word, max_syllables=3):
    """Whether `word` (one word, any case) is one to three pinyin syllables: "Yunrong", "Jun", "Hongyi"."""
    word = chinese.plain_pinyin(word)
    if not word or len(word) > 6 * max_syllables:
        return False
    known = syllables()

    @functools.cache
    def fits(start, left):
        if start == len(word):
            return True
        if left == 0:
            return False
        ends = range(start + 1, min(len(word), start + 6) + 1)
        return any(word[start:end] in known and fits(end, left - 1) for end in ends)

    return fits(0, max_syllables)


def is_surname(word):
    return chinese.plain_pinyin(word) in surnames()


def person_order(words):
    """For two or three capitalised words, how they read as a person's name: "surname-first" (Lei Jun),
    "surname-last" (Robin Li) or None (not a name: State Grid, Great Hall)."""
    if len(words) < 2 or len(words) > 3 or " ".join(words).lower() in _NOT_PEOPLE:
        return None
    if not all(word[:1].isupper() and word.replace("-", "").replace("'", "").isalpha() for word in words):
        return None
    first, rest = words[0], words[1:]
    if is_surname(first) and all(is_pinyin(word) for word in rest) and len(words) == 2:
        return "surname-first"
    if is_surname(words[-1]) and len(words[-1]) <= 6 and all(
            len(word) >= 3 and word.lower() not in _NOT_GIVEN_NAMES for word in words[:-1]):
        return "surname-last"
    return None
