"""From OSIS markup to plain verse text (build time only; the rules are listed in ``build.py``)."""

from __future__ import annotations

import html
import re
from collections import Counter


# -- 3. cleaning OSIS markup -------------------------------------------------------------------------------------
NOTE_MARK = "\x00"  # where a footnote was removed
ADDED_MARK = "\x01"  # where words marked as added by the translator begin or end

# What each element's tags leave in the text. An element not listed stops the build, so that a new release of a
# module cannot slip markup through unnoticed.
TAG_LEAVES = {
    # inline: words, added words, quotations, the divine name, ...: the tags vanish
    "w": "", "q": "", "divineName": "", "seg": "", "foreign": "", "name": "", "rdg": "", "catchWord": "",
    "reference": "", "transChange": ADDED_MARK,
    # structure: lines, line groups, paragraphs, lists, chapters, books, milestones, kept titles: a space
    "l": " ", "lg": " ", "lb": " ", "div": " ", "p": " ", "list": " ", "item": " ", "chapter": " ",
    "milestone": " ", "title": " ",
}
OSIS_TAG_OR_TEXT = re.compile(r"<(?P<end>/?)(?P<name>[A-Za-z]+)(?P<attributes>[^>]*?)(?P<empty>/?)>|[^<]+")
ENCLITIC = re.compile(r"(\w+)\x01(lo|la|los|las|le|les|me|te|se|nos|os)\x01")
# The words after which an added pronoun is a word of its own ("no lo hizo"), found by reading all 117 added
# pronouns of RV1909 2.60 that follow a word directly: 12 follow these words, the other 105 end a verb ("díjole").
NOT_VERBS = {"no", "que", "y", "como", "cuánto", "os", "ellos", "gentes", "jehová", "dios", "josué"}
USFM_MARKER = re.compile(r"\\[a-z]+\*?")  # a leftover in the KJV: "by my name \nd JEHOVAH"
NOTE_BEFORE_PUNCTUATION = re.compile(r"\s*\x00[\x00\s]*(?=[.,;:!?)\]”’])")  # "coins <note/> ?" → "coins?"


def clean_osis(markup: str) -> str:
    """The plain text of one verse of OSIS markup (the rules are in the module's docstring)."""
    text = html.unescape(strip_tags(markup)).replace("¶", "")
    text = USFM_MARKER.sub("", text)
    text = join_added_words(text)
    text = NOTE_BEFORE_PUNCTUATION.sub("", text).replace(NOTE_MARK, " ")
    return " ".join(text.split())


def strip_tags(markup: str) -> str:
    """The text of the markup with the tags replaced as :data:`TAG_LEAVES` says, notes and non-canonical
    titles and speaker labels dropped with their content, and nothing after the end of a book."""
    pieces = []
    dropping = None  # the element being dropped, until its end tag
    for match in OSIS_TAG_OR_TEXT.finditer(markup):
        name = match["name"]
        if dropping:
            if match["end"] and name == dropping:
                dropping = None
        elif name is None:
            pieces.append(match[0])
        elif is_dropped(name, match["attributes"]) and not match["end"]:
            dropping = None if match["empty"] else name
            pieces.append(NOTE_MARK if name == "note" else " ")
        elif is_end_of_book(name, match["attributes"]):
            break  # the WEB appends its glossary to the last verse of Revelation
        elif name in TAG_LEAVES:
            pieces.append(TAG_LEAVES[name])
        else:
            raise SystemExit(f"unknown OSIS element <{name}> in {markup!r}")
    return "".join(pieces)


def is_dropped(name: str, attributes: str) -> bool:
    """Footnotes and cross-references, speaker labels, and titles other than canonical (psalm) titles."""
    return name in ("note", "speaker") or (name == "title" and 'canonical="true"' not in attributes)


def is_end_of_book(name: str, attributes: str) -> bool:
    return name == "div" and 'type="book"' in attributes and "eID=" in attributes


def join_added_words(text: str) -> str:
    """Resolve :data:`ADDED_MARK`: an added enclitic pronoun joins its verb, other added words between two
    letters are set off by a space, and elsewhere the mark just goes."""
    text = ENCLITIC.sub(attach_pronoun, text)
    text = re.sub(r"(?<=\w)\x01+(?=\w)", " ", text)
    return text.replace(ADDED_MARK, "")


def attach_pronoun(match: re.Match) -> str:
    word, pronoun = match.groups()
    if word.lower() in NOT_VERBS:
        return match[0]
    return word + pronoun + ADDED_MARK


# -- 3b. two habits of the RV1909 --------------------------------------------------------------------------------
SUBSCRIPTION = re.compile(r"(?<=Amén\.) .+")
WORD = re.compile(r"\w+")


def tidy_spanish(verses: dict[str, str]) -> None:
    """Undo two habits of the RV1909 text that its translations do not share (in place)."""
    cut_subscriptions(verses)
    usual = usual_casing(verses.values())
    for ref, text in verses.items():
        if ref.endswith(".1"):
            verses[ref] = recase_chapter_opening(text, usual)


def cut_subscriptions(verses: dict[str, str]) -> None:
    """Remove the subscription that the RV1909 appends to the last verse of Paul's letters and Hebrews, after
    the final "Amén." ("Escrita de Roma á los Efesios por Tichîco."): the KJV module marks it as a heading."""
    last_verse_of_book = {ref.split(".")[0]: ref for ref in verses}
    for ref in last_verse_of_book.values():
        verses[ref] = SUBSCRIPTION.sub("", verses[ref])


def usual_casing(texts) -> dict[str, str]:
    """Lower-cased word → its most frequent spelling in ``texts``, words in capitals left out (``"jehová"`` →
    ``"Jehová"``, ``"después"`` → ``"después"``)."""
    counts = Counter(word for text in texts for word in WORD.findall(text) if not is_capitals(word))
    usual: dict[str, str] = {}
    for word, _ in counts.most_common():
        usual.setdefault(word.lower(), word)
    return usual


def is_capitals(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def recase_chapter_opening(text: str, usual: dict[str, str]) -> str:
    """The RV1909 prints a chapter's first words in capitals, after the title in the Psalms ("Salmo de David.
    A TI, oh Jehová"): give the first run of capitalised words (with the one-letter words just before it)
    their usual spelling, the first of them with a capital ("A ti, oh Jehová", "Y después movió")."""
    words = list(WORD.finditer(text))
    start = next((i for i, word in enumerate(words) if is_capitals(word[0])), None)
    if start is None:
        return text
    while start > 0 and len(words[start - 1][0]) == 1 and words[start - 1][0].isupper():
        start -= 1
    end = start
    while end < len(words) and words[end][0].isupper():
        end += 1
    pieces, done = [], words[start].start()
    for word in words[start:end]:
        spelling = usual.get(word[0].lower(), word[0].lower())
        pieces += [text[done:word.start()], spelling]
        done = word.end()
    opening = "".join(pieces)
    return text[:words[start].start()] + opening[0].upper() + opening[1:] + text[done:]
