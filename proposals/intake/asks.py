"""Which sentences ask for something, who asks, and which asks make one idea.

An ask is a sentence where a delegate suggests, proposes, calls for, recommends, urges, advises, invites or asks
someone to do something, says that something should be done (and the Chinese 建议, 提出, 呼吁, 提案, 倡议…). Its
asker is the person named last before the verb, or the one the sentence credits ("…, said Lei"), or, for a
sentence opening on "He"/"She"/"他"/"她", the person named last before it.

Asks of one delegate follow each other into one idea until another delegate's ask comes between or the ask
speaks of other themes; an ask that repeats one already read (same words, mostly) joins that idea wherever
it stands.
"""

import re
from dataclasses import dataclass, field

from proposals.meaning import chinese

_ASK = re.compile(
    r"\b(?:suggest(?:ed|s|ing)?|propos(?:ed|es|e)|call(?:ed|s)? (?:for|on|upon)|recommend(?:ed|s)?|urg(?:ed|es|e)"
    r"|advis(?:ed|es|e)|invit(?:ed|es|e) (?:[\w’']+ ){1,3}?to|ask(?:ed|s)? (?:[\w’']+ ){1,3}?to"
    r"|(?:mention|indicat|stat|argu|sai|say|believ|not|point)(?:ed|es|s|d)? (?:out )?that\b"
    r"[^.;]*?\b(?:should|must|could|needs? to|ought to)\b"
    r"|mention(?:ed|s)? the need|(?:emphasi[sz]|stress|highlight|underlin)(?:ed|es|e) the (?:importance|need)"
    r"|want(?:ed|s)? (?:[\w’']+ ){1,3}?to)\b"
    r"|(?:建议|提出|呼吁|提案|倡议|提议|主张|希望|认为[^。]{0,30}应)"
)
_SHOULD_SAID = re.compile(r"\b(?:should|must|needs? to)\b.*\b(?:said|says)\b")
_PRONOUN = re.compile(r"^(?:He|She|His|Her)\b|^(?:他|她)")
STOP = frozenset(
    "a an and are as at be by for from has have he his her she in is it its of on or that the their this to was "
    "were which will with should also other such into said suggested proposed called urged invited mentioned "
    "government country china china's officials all parties".split()
)
_CONTENT = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]")


@dataclass
class Ask:
    sentence: object
    person: str  # key of names.Person
    verb_start: int  # offset of the ask's verb in the text
    verb_end: int
    themes: frozenset
    words: frozenset


@dataclass
class Idea:
    person: str
    asks: list = field(default_factory=list)
    runs: list = field(default_factory=list)  # lists of asks that follow each other in the report

    @property
    def themes(self):
        return frozenset().union(*(ask.themes for ask in self.asks))


def content_words(text):
    return frozenset(word for word in _CONTENT.findall(chinese.simplified(text).lower()) if word not in STOP)


def _overlap(first, second):
    return len(first & second) / len(first | second) if first and second else 0.0


def find_asks(text, sentences, found, delegates, theme_finder):
    """[Ask] in text order. `delegates` are the person keys that may ask (delegates, known or new)."""
    text = text.replace("\u00a0", " ")
    asks, last_person = [], None
    for sentence in sentences:
        here = text[sentence.start:sentence.end]
        in_sentence = [(start, end, key) for start, end, key in found.mentions
                       if sentence.start <= start and end <= sentence.end and key in delegates]
        match = _ASK.search(here)
        if match is None and _SHOULD_SAID.search(here):
            match = _SHOULD_SAID.search(here)
        if match is not None and not sentence.is_heading:
            verb = sentence.start + match.start()
            before = [mention for mention in in_sentence if mention[1] <= verb]
            person = None
            if before:
                person = before[-1][2]
            elif _PRONOUN.match(here) and last_person:
                person = last_person
            elif in_sentence and re.search(r"\b(?:said|says)\b", here):
                person = in_sentence[0][2]
            if person is not None:
                asks.append(Ask(sentence, person, verb, sentence.start + match.end(), theme_finder(here),
                                content_words(here)))
        if in_sentence:
            last_person = in_sentence[-1][2]
    return asks


def group(asks):
    """[Idea], in the order of their first ask."""
    ideas, current, previous = [], None, None
    for ask in asks:
        repeated = next((idea for idea in ideas if idea.person == ask.person
                         and any(_overlap(ask.words, other.words) >= 0.5 for other in idea.asks)), None)
        follows = (current is not None and current.person == ask.person and previous is not None
                   and previous.person == ask.person
                   and (not ask.themes or not current.themes or ask.themes & current.themes))
        if repeated is not None:
            idea = repeated
        elif follows:
            idea = current
        else:
            idea = Idea(ask.person)
            ideas.append(idea)
        if idea.runs and previous is not None and idea.runs[-1][-1] is previous:
            idea.runs[-1].append(ask)
        else:
            idea.runs.append([ask])
        idea.asks.append(ask)
        current, previous = idea, ask
    return ideas


def distinct_asks(idea):
    """The idea's asks without those that only repeat another one (the report's intro and its body)."""
    kept = []
    for ask in sorted(idea.asks, key=lambda ask: -len(ask.sentence.text)):
        if not any(_overlap(ask.words, other.words) >= 0.5 for other in kept):
            kept.append(ask)
    return sorted(kept, key=lambda ask: ask.sentence.start)


_LEAD = re.compile(
    r"^(?:(?:of|in (?:his|her|a|the) [\w ]+?(?= that)) )?(?:that |to )?"
    r"(?:(?:the |all )?(?:government|country|state|nation|china|officials|lawmakers|authorities|"
    r"parties)(?:’s|'s)? (?:should |must |could |to |would )?(?:also |work to )?)?"
    r"(?:should |must |to )?(?:also )?", re.IGNORECASE)
_CUT = re.compile(r",|;|\bwhich\b|\bsince\b|\bso that\b|\bin order to\b|，|。|；|：")


def title_of(idea, text):
    """A suggested title in the report's language: what the first distinct ask asks for, cut short."""
    ask = distinct_asks(idea)[0]
    rest = text[ask.verb_end:ask.sentence.end].strip()
    if chinese.has_han(rest):
        rest = rest.lstrip("：:，,“")
        rest = _CUT.split(rest)[0]
        return rest[:60] or ask.sentence.text[:60]
    rest = _LEAD.sub("", rest, count=1).strip()
    rest = _CUT.split(rest)[0].strip(" .”\"")
    words = rest.split()
    if len(words) > 14:
        for index, word in enumerate(words[4:], 4):
            if word in ("to", "for", "by", "through", "via", "with", "in") and index >= 5:
                words = words[:index]
                break
        words = words[:14]
    title = " ".join(words).strip(" ,.")
    if not title:
        return ask.sentence.text[:120]
    return (title[0].upper() + title[1:])[:200]


def quote_span(idea):
    """(start, end) of the quote: the longest run of the idea's asks, first sentence to last."""
    run = max(idea.runs, key=len)
    start, end = run[0].sentence.start, run[-1].sentence.end
    if end - start > 4000:
        return run[0].sentence.start, run[0].sentence.end
    return start, end
