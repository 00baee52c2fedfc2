"""The judgement-language guard: notes describe evidence, they do not deliver verdicts.

Observation notes that read like an inspection ("the lesson was outstanding",
"requires improvement", "grade 2", "3/5") turn a developmental conversation
into a judgement, which is exactly what makes teachers distrust observation.
The guard looks for verdicts about the lesson, the teaching or the teacher,
not for words: "good question from pupil B", "an outstanding question from
pupil C" and "8 out of 10 pupils answered" are evidence and pass.

Patterns are school configuration (Python regular expressions, matched
case-insensitively); ``DEFAULT_PATTERNS`` is what a school starts with. This
module is pure: no database, no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Ofsted's grade words, when they are used as a verdict.
_GRADE_WORD = r"(?:outstanding|good|satisfactory|inadequate|requires?\s+improvement)"
# What a verdict is about: the lesson, the teaching, the teacher (not a pupil's answer).
_VERDICT_SUBJECT = r"(?:lesson|teaching|teacher|learning|session|performance)"
# A few words that may sit between "was" and the grade word ("was really good").
_HEDGE = (
    r"(?:(?:very|really|truly|clearly|consistently|generally|broadly|overall|securely"
    r"|a|an|at\s+least)\s+){0,2}"
)
# "3/5", "2/4": a mark out of a scale, unless it counts pupils ("14/30 pupils").
_COUNTED = (
    r"(?:of|pupils?|students?|children|learners|boys|girls|class|groups?|tables?"
    r"|answered|got|had|were|did|could|managed|correct(?:ly)?|wrong)"
)

DEFAULT_PATTERNS: tuple[str, ...] = (
    # "requires improvement" is Ofsted's grade 3, whoever it is said of.
    r"\brequires?\s+improvement\b",
    # "the lesson was outstanding", "teaching is good", "the learning was really good".
    rf"\b{_VERDICT_SUBJECT}s?\s+(?:was|is|were|are|seemed|felt|looked|has\s+been|would\s+be)\s+{_HEDGE}{_GRADE_WORD}\b",
    # "an outstanding lesson", "good teaching", "an inadequate teacher".
    rf"\b{_GRADE_WORD}\s+(?:lesson|teaching|teacher|performance)s?\b",
    # "judged good", "graded outstanding", "rated as requires improvement", "rated 2".
    rf"\b(?:judged|graded|rated|grading|judgement)\s*(?:as|to\s+be|:|-)?\s*(?:an?\s+)?(?:{_GRADE_WORD}|[1-4]\b)",
    # "Overall: good", "overall, outstanding".
    rf"\boverall\s*[:,\-]?\s*{_GRADE_WORD}\b",
    # "good with outstanding features".
    rf"\b{_GRADE_WORD}\s+with\s+{_GRADE_WORD}\s+features\b",
    # "grade 2", "a grade 1 lesson"; not a pupil's GCSE grade ("a grade 4 on the mock").
    r"(?<!gcse\s)\bgrade[ds]?\s*(?:[1-4]|one|two|three|four)\b"
    r"(?!\s*(?:on|in|at|for)\s+(?:the|a|an|their|his|her|this)?\s*"
    r"(?:mock|test|quiz|exam|paper|assessment|homework|gcse))",
    # "3/5", "7/10" given as a mark: at the start of an entry or after a colon or dash,
    # or after "give it", "overall", "rated"... Not a fraction in a maths lesson
    # ("why 3/4 is bigger than 2/3"), a count ("14/30 pupils") or a date ("7/9/2026").
    r"(?:^\s*|[:(\u2013\u2014-]\s*|\b(?:give|gave|giving|overall|lesson|teaching|score|scored"
    r"|rating|rated|mark|marked)\s+(?:it\s+|this\s+|them\s+|you\s+|a\s+|an\s+)?)"
    rf"\d{{1,2}}(?:\.\d)?\s*/\s*(?:4|5|10|20|100)\b(?!\s*/)(?!\s+{_COUNTED}\b)",
    # "8 out of 10", but not "8 out of 10 pupils".
    rf"\b\d{{1,3}}(?:\.\d)?\s+out\s+of\s+(?:3|4|5|6|7|10|20|100)\b(?!\s+{_COUNTED}\b)",
    # "a score of 7", "my rating: 4", "lesson score"; not a pupil's quiz score.
    r"\b(?:score|rating)\s*(?:of|:|=|-)?\s*\d+(?:\.\d)?\b"
    r"(?!\s*(?:on|in|at|for)\s+(?:the|a|an|their|his|her|this)?\s*"
    r"(?:mock|test|quiz|exam|paper|assessment|homework))",
    r"\b(?:lesson|teaching|teacher|overall)\s+(?:score|rating|grade)\b",
)

HINT = (
    "describe what you saw and heard against the chosen focus (what pupils and the "
    "teacher did and said) rather than grading the lesson or the teacher"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One verdict-like phrase: where it is (``evidence[2]``) and the words matched."""

    field: str
    phrase: str


# Punctuation a pattern may match around a phrase, left out of the phrase reported.
_EDGES = " \t\n:;,.()\u2013\u2014-"


class InvalidPattern(ValueError):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


# A quantified group that is itself quantified, such as "(a+)+": such patterns can
# take exponential time on a long note, and the guard runs inside a request.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*?}]\)\??[+*{]")


def compile_patterns(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """Compile a school's patterns, refusing ones that are broken, slow or match everything."""
    compiled = []
    for index, pattern in enumerate(patterns):
        if _NESTED_QUANTIFIER.search(pattern):
            raise InvalidPattern(
                index, "repeats a group that itself repeats, which can be very slow; simplify it"
            )
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise InvalidPattern(index, f"not a valid regular expression: {exc}") from None
        if regex.search("") is not None:
            raise InvalidPattern(index, "matches empty text, so it would flag every note")
        compiled.append(regex)
    return compiled


@functools.lru_cache(maxsize=64)
def compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compiled once per distinct set: every note a school writes uses the same few."""
    return tuple(compile_patterns(patterns))


_DEFAULT_COMPILED = compiled(DEFAULT_PATTERNS)


def find_judgements(
    texts: Mapping[str, Sequence[str]], patterns: Sequence[re.Pattern[str]] | None = None
) -> list[Finding]:
    """Every verdict-like phrase in the texts, in field and reading order.

    Where patterns overlap ("the lesson was a good lesson" matches two), the
    overlapping matches are reported as one phrase.
    """
    active = _DEFAULT_COMPILED if patterns is None else patterns
    found: list[Finding] = []
    for field, entries in texts.items():
        for index, entry in enumerate(entries):
            spans = sorted(
                (m.start(), m.end())
                for regex in active
                for m in regex.finditer(entry)
                if m.end() > m.start()
            )
            merged: list[list[int]] = []
            for start, end in spans:
                if merged and start < merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            found += [
                Finding(f"{field}[{index}]", " ".join(entry[start:end].strip(_EDGES).split()))
                for start, end in merged
            ]
    return found
