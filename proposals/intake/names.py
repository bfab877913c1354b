"""Who and which companies a report names: known delegates and companies by any of their names (English,
Chinese, pinyin, other names, a spelling one letter off), people and companies the tracker does not know yet,
the seats (NPC deputy, CPPCC member) and positions (founder of…) the report gives them.

People are found in English text as two or three capitalised words that read as a Chinese name (a pinyin
surname and given name, or a given name and a pinyin surname: Lei Jun, Robin Li), and in Chinese text by
jieba's part-of-speech tagger; a surname alone ("said Lei") is the person of that surname named last.
"""

import functools
import re
from dataclasses import dataclass, field

from proposals.meaning import chinese

from . import pinyin

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F0-9'’\-]*|[0-9]+")
_POSSESSIVE = ("’s", "'s")
_POSITION_WORDS = (r"co-?founder|founder|chief executive(?: officer)?|CEO|CTO|COO|chairman|chairwoman|vice president|"
                   r"president|general manager|managing director|director|leader|head|partner")
_ROLE = r"(?:NPC|CPPCC)(?: National Committee)? (?:member|deputy)"
_POSITIONS = rf"(?:{_POSITION_WORDS}|{_ROLE})(?:(?:,? and |, | & )(?:{_POSITION_WORDS}|{_ROLE}))*"
_CAPITALS = r"[A-Z][\w&\-]*(?: (?:[A-Z][\w&\-]*|[0-9]+))*"
# "founder and CEO of gaming company NetEase", "general manager of Product Center for China Unicom"
_POSITION_OF = re.compile(
    rf"\b(?P<position>{_POSITIONS}) (?:of|at) (?:(?:the|[a-z][\w\-]*) ){{0,4}}(?P<company>{_CAPITALS})"
    rf"(?: for (?P<owner>{_CAPITALS}))?"
)
# "Baidu's CEO and co-founder Robin Li", "Tencent's founder and NPC deputy"
_COMPANY_POSITION = re.compile(rf"(?P<company>{_CAPITALS})[’'](?:s) (?P<position>{_POSITIONS})\b")
_ROLE_CUE = re.compile(r"\b(?P<body>NPC|CPPCC)(?: National Committee)? (?P<role>member|deputy|delegate)s?\b"
                       r"|(?P<zh>全国人大代表|人大代表|全国政协委员|政协委员)")
_ZH_POSITION_WORDS = "联合创始人|创始人|董事长|首席执行官|总经理|总裁|CEO|副总裁|党委书记"
_ZH_POSITION = re.compile(rf"(?P<company>[\u4e00-\u9fffA-Za-z0-9]{{2,12}}?)(?:集团|公司|科技|控股)*"
                          rf"(?P<position>(?:{_ZH_POSITION_WORDS})(?:[、和兼](?:{_ZH_POSITION_WORDS}))*)")
_ZH_COMPANY_PREFIX = re.compile(r"^.*(?:代表|委员|、|，|,|：|:|是|的)")


@dataclass
class Position:
    company: str  # a key of Found.companies
    position: str
    start: int
    end: int


@dataclass
class Person:
    key: str
    name: str
    delegate: object = None  # people.Delegate, when the tracker knows them
    how: str = ""  # how the known delegate was recognised
    surname: str = ""
    chinese: bool = False
    mentions: list = field(default_factory=list)  # (start, end)
    bodies: dict = field(default_factory=dict)  # body slug -> (role, start, end) of the first cue
    positions: list = field(default_factory=list)


@dataclass
class CompanyFound:
    key: str
    name: str
    company: object = None  # people.Company, when known
    how: str = ""
    mentions: list = field(default_factory=list)


@dataclass
class Found:
    people: dict  # key -> Person
    companies: dict  # key -> CompanyFound
    mentions: list  # (start, end, person key), in text order


def _edit_distance(first, second):
    previous = list(range(len(second) + 1))
    for row, a in enumerate(first, 1):
        current = [row]
        for column, b in enumerate(second, 1):
            current.append(min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + (a != b)))
        previous = current
    return previous[-1]


def _latin_words(text):
    return " ".join(text.replace("\u00a0", " ").split())


class Directory:
    """The known delegates and companies, by every form of their names."""

    def __init__(self, delegates, companies):
        self.forms = {}  # lower-case latin form or Chinese name -> (delegate, how)
        self.surnames = {}  # delegate pk -> surname
        for delegate in delegates:
            syllables = chinese.pinyin_of(delegate.name_zh) if chinese.has_han(delegate.name_zh) else []
            if delegate.name_zh:
                self.forms.setdefault(delegate.name_zh, (delegate, "Chinese name"))
            self._add(delegate.name_en, delegate, "name")
            for other in re.split(r"[,;/]", delegate.other_names or ""):
                self._add(other, delegate, "other name")
            if delegate.name_pinyin:
                self._add(delegate.name_pinyin, delegate, "pinyin")
            if syllables:
                self._add(f"{syllables[0]} {''.join(syllables[1:])}", delegate, "pinyin")
                self.surnames[delegate.pk] = syllables[0]
            else:
                words = delegate.name_en.split()
                order = pinyin.person_order(words)
                surname = (words[0] if order == "surname-first" else words[-1]) if words else ""
                self.surnames[delegate.pk] = surname.lower()
        self.companies = {}
        for company in companies:
            for name in (company.name_en, company.name_zh):
                if name:
                    self.companies.setdefault(name if chinese.has_han(name) else name.lower(), company)

    def _add(self, name, delegate, how):
        name = _latin_words(chinese.simplified(name or "")).strip()
        if name and not chinese.has_han(name):
            plain = " ".join(chinese.plain_pinyin(word) for word in name.split())
            self.forms.setdefault(plain, (delegate, how))

    def latin(self, words):
        plain = " ".join(chinese.plain_pinyin(word) for word in words)
        if plain in self.forms:
            return self.forms[plain]
        compact = plain.replace(" ", "")
        if len(compact) < 8:
            return None
        for form, (delegate, _how) in self.forms.items():
            if chinese.has_han(form) or form.split()[0] != plain.split()[0]:
                continue
            if _edit_distance(form.replace(" ", ""), compact) == 1:
                return delegate, "close spelling"
        return None

    def company_named(self, name):
        """The known company a run of capitals names ("New Oriental Education" names New Oriental)."""
        if chinese.has_han(name):
            # 中国联通产品中心 is a part of 中国联通: the longest known Chinese name it starts with.
            known = [form for form in self.companies if chinese.has_han(form) and name.startswith(form)]
            return self.companies[max(known, key=len)] if known else None
        lowered = name.lower()
        best = None
        for form, company in self.companies.items():
            if not chinese.has_han(form) and (lowered == form or lowered.startswith(form + " ")):
                if best is None or len(form) > len(best[0]):
                    best = (form, company)
        return best[1] if best else None


def find(text, sentences, directory):
    """Found people, companies and mentions; offsets are those of `text`. Non-breaking spaces read as spaces
    (same length, so offsets stay true)."""
    from dataclasses import replace

    text = text.replace("\u00a0", " ")
    sentences = [replace(sentence, text=text[sentence.start:sentence.end]) for sentence in sentences]
    people, companies, mentions = {}, {}, []
    _find_known_companies(text, directory, companies)
    by_surname = {}  # latin or Chinese surname -> key of the person of that surname named last

    def mention(person, start, end):
        person.mentions.append((start, end))
        mentions.append((start, end, person.key))
        if person.surname:
            by_surname[person.surname] = person.key

    for sentence in sentences:
        events = _latin_people(sentence, directory) + _chinese_people(sentence, directory)
        events.sort(key=lambda event: event[0])
        for start, end, kind, value in events:
            if kind == "surname":
                key = by_surname.get(value)
                if key:
                    mention(people[key], start, end)
                continue
            name, delegate, how, surname, is_chinese = value
            key = f"delegate:{delegate.pk}" if delegate else f"new:{chinese.plain_pinyin(name) or name}"
            person = people.get(key)
            if person is None:
                person = people[key] = Person(key, name, delegate, how, surname, is_chinese)
            mention(person, start, end)
        _seats_and_positions(text, sentence, people, mentions, companies, directory)
    mentions.sort()
    return Found(people, companies, mentions)


def _runs(sentence):
    """Runs of capitalised words of one sentence: [(word, start, end, ends_with_possessive)], offsets in the text."""
    runs, current, previous_end = [], [], None
    for match in _WORD.finditer(sentence.text):
        word, start, end = match.group(), match.start(), match.end()
        possessive = word.endswith(_POSSESSIVE)
        if possessive:
            word, end = word[:-2], end - 2
        gap = sentence.text[previous_end:start] if previous_end is not None else None
        capital = word[:1].isupper()
        if current and (not capital or gap not in (" ", "\u00a0") or current[-1][3]):
            runs.append(current)
            current = []
        if capital:
            current.append((word, sentence.start + start, sentence.start + end, possessive))
        previous_end = match.end()
    if current:
        runs.append(current)
    return runs


def _latin_people(sentence, directory):
    found = []
    for run in _runs(sentence):
        index = 0
        while index < len(run):
            for size in (3, 2):
                window = run[index:index + size]
                if len(window) < size:
                    continue
                words = [word for word, *_rest in window]
                known = directory.latin(words)
                order = pinyin.person_order(words)
                if known or order:
                    delegate, how = known if known else (None, "")
                    if delegate:
                        surname = directory.surnames.get(delegate.pk, "")
                    else:
                        surname = (words[0] if order == "surname-first" else words[-1]).lower()
                    found.append((window[0][1], window[-1][2], "person", (" ".join(words), delegate, how, surname,
                                                                           False)))
                    index += size
                    break
            else:
                word, start, end, _possessive = run[index]
                if len(run) == 1 or not word.isupper():
                    found.append((start, end, "surname", chinese.plain_pinyin(word)))
                index += 1
    return found


@functools.cache
def _posseg():
    chinese._jieba()
    import jieba.posseg

    return jieba.posseg


def _chinese_people(sentence, directory):
    if not chinese.has_han(sentence.text):
        return []
    found, taken = [], []
    for form, (delegate, how) in directory.forms.items():
        if not chinese.has_han(form):
            continue
        for match in re.finditer(re.escape(form), sentence.text):
            span = (sentence.start + match.start(), sentence.start + match.end())
            taken.append(span)
            found.append((*span, "person", (form, delegate, how, form[0], True)))
    position = 0
    for word, flag in _posseg().cut(sentence.text):
        start = sentence.text.find(word, position)
        position = start + len(word)
        span = (sentence.start + start, sentence.start + position)
        if flag == "nr" and 2 <= len(word) <= 3 and chinese.HAN.fullmatch(word[0]) and pinyin.is_surname(
                chinese.pinyin_of(word[0])[0] if chinese.pinyin_of(word[0]) else ""):
            if not any(a <= span[0] < b for a, b in taken):
                found.append((*span, "person", (word, None, "", word[0], True)))
    return found


def _find_known_companies(text, directory, companies):
    for form, company in directory.companies.items():
        pattern = re.escape(form) if chinese.has_han(form) else rf"(?<![\w-]){re.escape(form)}(?![\w-])"
        flags = 0 if chinese.has_han(form) else re.IGNORECASE
        for match in re.finditer(pattern, text, flags):
            key = f"company:{company.pk}"
            found = companies.setdefault(key, CompanyFound(key, company.name_en or company.name_zh, company, "name"))
            found.mentions.append((match.start(), match.end()))


def _company(name, directory, companies, text):
    company = directory.company_named(name)
    if company:
        key = f"company:{company.pk}"
        return companies.setdefault(key, CompanyFound(key, company.name_en or company.name_zh, company, "name")).key
    key = f"new:{name.lower()}"
    if key not in companies:
        found = companies[key] = CompanyFound(key, name)
        pattern = re.escape(name) if chinese.has_han(name) else rf"(?<![\w-]){re.escape(name)}(?![\w-])"
        found.mentions = [(match.start(), match.end()) for match in re.finditer(pattern, text)]
    return key


def _nearest(people, mentions, sentence, start, end):
    """The person named nearest a span of the sentence (before or after it), or None."""
    best = None
    for mention_start, mention_end, key in mentions:
        if mention_start < sentence.start or mention_end > sentence.end:
            continue
        gap = start - mention_end if mention_end <= start else mention_start - end
        if gap < 0:
            continue
        if best is None or gap < best[0]:
            best = (gap, key)
    return people[best[1]] if best else None


def _clean_position(position):
    position = re.sub(rf",? ?(?:and )?{_ROLE}", "", position).strip(" ,")
    return re.sub(r"^(?:and |, )", "", position)


def _seats_and_positions(text, sentence, people, mentions, companies, directory):
    here = sentence.text
    for match in _ROLE_CUE.finditer(here):
        start, end = sentence.start + match.start(), sentence.start + match.end()
        person = _nearest(people, mentions, sentence, start, end)
        if person is None:
            continue
        if match.group("zh"):
            body = "npc" if "人大" in match.group("zh") else "cppcc"
            role = "deputy" if body == "npc" else "member"
        else:
            body = match.group("body").lower()
            role = "deputy" if body == "npc" else "member"
        person.bodies.setdefault(body, (role, start, end))
    for match in _POSITION_OF.finditer(here):
        position = _clean_position(match.group("position"))
        company = match.group("company")
        if match.group("owner"):
            position, company = f"{position} of {company}", match.group("owner")
        _add_position(text, sentence, match, position, company, people, mentions, companies, directory)
    for match in _COMPANY_POSITION.finditer(here):
        position = _clean_position(match.group("position"))
        _add_position(text, sentence, match, position, match.group("company"), people, mentions, companies, directory)
    if chinese.has_han(here):
        for match in _ZH_POSITION.finditer(here):
            company = _ZH_COMPANY_PREFIX.sub("", match.group("company"))
            if len(company) >= 2:
                _add_position(text, sentence, match, match.group("position"), company, people, mentions, companies,
                              directory)


def _add_position(text, sentence, match, position, company_name, people, mentions, companies, directory):
    position = position.strip()
    if not position or not company_name:
        return
    start, end = sentence.start + match.start(), sentence.start + match.end()
    person = _nearest(people, mentions, sentence, start, end)
    if person is None or any(start <= a and b <= end for a, b in person.mentions if (a, b) != (start, end)
                             and company_name in text[a:b]):
        return
    key = _company(company_name, directory, companies, text)
    if not any(known.company == key for known in person.positions):
        person.positions.append(Position(key, position, start, end))
