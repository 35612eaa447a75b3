"""People's names, for the scrubber: replaced where the text makes clear it is a person, flagged otherwise.

Replaced (kind "name", only the name; the word before it stays):

* after a title, relation or profession: "mijn buurman Henk de Jong", "mevrouw Jansen", "meneer El Idrissi",
  "juf Sanne", "mijn dochter Aylin", "buurvrouw Kowalska", "mevr. de Groot", "dokter Amrani"; also a listed
  first name typed in lower case ("mijn buurman henk");
* after "ik heet", "ik ben", "mijn naam is", "groetjes," and the like;
* a listed first name followed by a surname: "Henk de Jong kwam langs", "Fatima El Amrani".

A name runs over capitalised words, initials ("R. Pinas") and particles (van, de, van der, 't, El, Ben, Al,
Ait ...), hyphens included ("Jan-Willem", "de Graaf-Yilmaz"). Street names ("Jan van Galenstraat"), places,
organisations ("Albert Heijn") and the names in ``keep`` (the contact persons the bot itself shows) stay.

Flagged, not replaced: the remaining likely names, that is capitalised words in the middle of a sentence that
are not known words, places or organisations, not right after "de"/"het" (a place: "de Beukendaal") or a
preposition of place ("in Zwolle"), and listed first names anywhere. Moderators see them as "may contain a
name"; guessing would damage ordinary text.

All of this is one pass over the words of the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.engine.scrub_base import WORK, Regions, Span
from bot.engine.scrub_names_data import (
    AMBIGUOUS_FIRST_NAMES,
    FIRST_NAMES,
    KNOWN_PHRASES,
    KNOWN_WORDS,
    PARTICLES,
    PHRASES,
    PLACE_SUFFIXES,
    POSTFIX_TITLES,
    RELATIONS,
    STREET_SUFFIXES,
    TITLES,
)

# A word of letters (inner hyphens and apostrophes too), not glued to digits: "Jong06" is no name.
# The words inside a marker ("[naam]") are not words of the story.
_WORD = re.compile(r"(?<![\w'’\-@\[])(?:[^\W\d_]+(?:['’\-][^\W\d_]+)*|['’]t)(?![\w'’@\]])")
_MAX_NAME_WORDS = 5
# What may stand between the words of one name, and between a title and the name.
_NAME_GAP = re.compile(r"[ \u00a0]|\.[ \u00a0]?")
_TRIGGER_GAP = re.compile(r"\.?,?[ \u00a0]{1,2}|:[ \u00a0]?|,?\n")
_SENTENCE_END = frozenset(".!?:;\n\"“”(*-•>")
_PLACE_WORDS = frozenset({"de", "het", "'t", "’t", "in", "naar", "uit", "richting", "vanuit", "nabij", "rond",
                          "een", "dit", "deze", "die", "dat", "ons", "onze", "van", "the",
                          # what names an organisation or a building: "Stichting Kwadraad", "café Nel"
                          "stichting", "vereniging", "club", "voetbalclub", "sportclub", "team", "bureau",
                          "basisschool", "school", "café", "restaurant", "winkel", "supermarkt", "bakkerij"})
_PLACE_END = re.compile("(?:" + "|".join(PLACE_SUFFIXES) + r")(?:je|tje)?$")
_STREET_END = re.compile("(?:" + "|".join(STREET_SUFFIXES) + r")(?:je|tje)?$")
_PHRASE_ENDS = frozenset(p[-1] for p in PHRASES)
_TRIGGER_WORDS = TITLES | RELATIONS | _PHRASE_ENDS
_PHRASE_GAP = re.compile(r"[ \u00a0]+")
# Lower-case words the finder looks at; others only separate names, so they are not even kept.
_RELEVANT = (PARTICLES | _TRIGGER_WORDS | frozenset(w for p in PHRASES for w in p) | _PLACE_WORDS | FIRST_NAMES
             | POSTFIX_TITLES)
_NAME, _STREET, _NONE = "name", "street", "none"


@dataclass(slots=True)
class _Word:
    start: int
    end: int
    text: str
    lower: str
    cap: bool  # capitalised, and not an acronym written in capitals


@dataclass(frozen=True)
class Names:
    replaced: tuple[Span, ...]
    flagged: tuple[Span, ...]


def _known(w: _Word) -> bool:
    return w.lower in KNOWN_WORDS or ("-" in w.lower and any(p in KNOWN_WORDS for p in w.lower.split("-")))


def _is_initial(text: str, w: _Word) -> bool:
    return len(w.text) == 1 and w.text.isupper() and text.startswith(".", w.end)


def _placelike(w: _Word, strict: bool) -> bool:
    if len(w.lower) <= 4 or w.lower in FIRST_NAMES:
        return False
    return (_STREET_END if strict else _PLACE_END).search(w.lower) is not None


def _name_run(text: str, words: list[_Word], i: int, *, after_trigger: bool,
              after_title: bool = False) -> tuple[str, int]:
    """(_NAME, index after the name) for a name starting at ``i``; (_STREET, index after it) for a street or
    place; (_NONE, i) otherwise."""
    end = i
    j = i
    while j < len(words) and j - i < _MAX_NAME_WORDS:
        w = words[j]
        if j > i:
            if _NAME_GAP.fullmatch(text, words[j - 1].end, w.start) is None:
                break
            if text[words[j - 1].end] == "." and not _is_initial(text, words[j - 1]):
                break
        first_lower = j == i and after_trigger and w.lower in FIRST_NAMES
        if w.lower in PARTICLES and not first_lower:
            j += 1
            continue
        # "Henk de Jong", "meneer de Groot": words, but surnames here ("de buurman van Stichting X" is not)
        surname = j > i and words[j - 1].lower in PARTICLES and (end > i or after_title)
        if not (w.cap or first_lower) or (_known(w) and not first_lower and not surname):
            break
        if _placelike(w, strict=after_trigger):
            return _STREET, j + 1
        j += 1
        end = j
    return (_NAME, end) if end > i else (_NONE, i)


def _after_trigger(text: str, words: list[_Word], i: int) -> int | None:
    """If word ``i`` ends a title, relation or phrase, the index of the first word that may be a name."""
    w = words[i]
    if w.lower not in _TRIGGER_WORDS:
        return None
    if w.lower not in TITLES and w.lower not in RELATIONS:
        for phrase in PHRASES:
            n = len(phrase)
            run = words[i + 1 - n : i + 1] if i + 1 >= n else []
            if tuple(x.lower for x in run) == phrase and all(
                    _PHRASE_GAP.fullmatch(text, a.end, b.start) for a, b in itertools.pairwise(run)):
                break
        else:
            return None
    if i + 1 >= len(words) or _TRIGGER_GAP.fullmatch(text, w.end, words[i + 1].start) is None:
        return None
    if w.lower == "heer" and (i == 0 or words[i - 1].lower != "de"):
        return None
    return i + 1


def _before_postfix_title(text: str, words: list[_Word], i: int) -> int | None:
    """"Ayşe Hanım", "Mehmet Bey": the index of the title if capitalised words from ``i`` run up to one."""
    j = i
    while j < len(words) and j - i < 3 and words[j].cap and not _known(words[j]) \
            and words[j].lower not in POSTFIX_TITLES:  # "Hanım Bey" is two titles, not a name and a title
        nxt = j + 1
        if nxt < len(words) and words[nxt].lower in POSTFIX_TITLES and words[j].end + 1 == words[nxt].start:
            return nxt
        if nxt >= len(words) or words[j].end + 1 != words[nxt].start:
            return None
        j = nxt
    return None


def _sentence_start(text: str, w: _Word) -> bool:
    k = w.start - 1
    while k >= 0 and text[k] in " \u00a0\t'‘":
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END


def _kept(words: list[_Word], keep: list[frozenset[str]]) -> bool:
    own = {w.lower for w in words if w.lower not in PARTICLES}
    return any(own <= k for k in keep)


def _words(text: str, where: Regions) -> list[_Word]:
    words: list[_Word] = []
    for start, end in where:
        part: list[_Word] = []
        for m in _WORD.finditer(text, start, end):
            word = m.group()
            if word[0].isupper():
                part.append(_Word(m.start(), m.end(), word, word.lower(), len(word) == 1 or not word.isupper()))
            elif (lower := word.lower()) in _RELEVANT:
                part.append(_Word(m.start(), m.end(), word, lower, False))
        if part and start > 0 and part[0].start == start and (text[start - 1].isalnum() or text[start - 1] in "'’-"):
            part = part[1:]  # the window cut a word
        if part and end < len(text) and part[-1].end == end:
            part = part[:-1]
        words += part
    WORK.add(len(words))
    return words


def find_names(text: str, keep: Collection[str] = (), where: Regions | None = None) -> Names:
    """Names to replace and likely names to flag, as spans of ``text`` (only within ``where``, if given)."""
    words = _words(text, [(0, len(text))] if where is None else where)
    keep_sets = [frozenset(x.lower() for x in _WORD.findall(k) if x.lower() not in PARTICLES) for k in keep]
    replaced: list[Span] = []
    flagged: list[Span] = []
    known: set[str] = set()  # the words of names replaced so far
    i = 0
    while i < len(words):
        w = words[i]
        first = _after_trigger(text, words, i) if w.lower in _TRIGGER_WORDS else None
        if first is not None:
            kind, end = _name_run(text, words, first, after_trigger=True, after_title=w.lower in TITLES)
            if kind == _NAME:
                if not _kept(words[first:end], keep_sets):
                    replaced.append((words[first].start, words[end - 1].end))
                    known.update(x.text for x in words[first:end] if x.cap and x.lower not in PARTICLES)
                i = end
                continue
        postfix = _before_postfix_title(text, words, i)
        if postfix is not None:
            if not _kept(words[i:postfix], keep_sets):
                replaced.append((w.start, words[postfix - 1].end))
                known.update(x.text for x in words[i:postfix])
            i = postfix + 1
            continue
        if not w.cap or w.lower in PARTICLES or (w.lower not in FIRST_NAMES and _sentence_start(text, w)):
            i += 1
            continue
        kind, end = _name_run(text, words, i, after_trigger=False)
        if kind != _NAME:
            i = max(end, i + 1)
            continue
        run = words[i:end]
        named = [x for x in run if x.lower not in PARTICLES]
        if _kept(run, keep_sets) or " ".join(x.lower for x in run) in KNOWN_PHRASES:
            i = end
            continue
        if len(named) >= 2 and named[0].lower in FIRST_NAMES:
            replaced.append((run[0].start, run[-1].end))  # a first name and a surname
            known.update(x.text for x in named)
        elif _flaggable(text, words, i, named):
            flagged.append((named[0].start, named[-1].end))
        i = end
    if known:
        replaced = _again(words, known, replaced)
        flagged = [f for f in flagged if not any(a < f[1] and f[0] < b for a, b in replaced)]
    return Names(tuple(replaced), tuple(flagged))


def _again(words: list[_Word], known: set[str], replaced: list[Span]) -> list[Span]:
    """Once the text made clear that Henk is a person, "Henk" elsewhere in it is his name too."""
    spans = sorted(replaced)
    more: list[Span] = []
    k = 0
    for w in words:
        while k < len(spans) and spans[k][1] <= w.start:
            k += 1
        if w.text not in known or (k < len(spans) and spans[k][0] <= w.start):
            continue
        if more and w.start - more[-1][1] <= 1:
            more[-1] = (more[-1][0], w.end)  # "Henk Bakker" again: one name
        else:
            more.append((w.start, w.end))
    return sorted(spans + more)


def _flaggable(text: str, words: list[_Word], i: int, named: list[_Word]) -> bool:
    head = named[0]
    if i > 0 and words[i - 1].lower in _PLACE_WORDS and words[i - 1].end + 1 == head.start:
        return False
    if len(named) == 1 and _is_initial(text, head):
        return False
    if head.lower in FIRST_NAMES:
        return not (_sentence_start(text, words[i]) and head.lower in AMBIGUOUS_FIRST_NAMES)
    return len(head.text) >= 3 and not _sentence_start(text, words[i])
