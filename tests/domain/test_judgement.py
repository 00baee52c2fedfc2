"""The judgement-language guard on a table of phrases: verdicts flagged, evidence left alone."""

from __future__ import annotations

import pytest

from lessonstudy.domain.peer_observation.judgement import (
    DEFAULT_PATTERNS,
    Finding,
    InvalidPattern,
    compile_patterns,
    find_judgements,
)

# (note, the phrase reported): verdicts about the lesson, the teaching or the teacher.
VERDICTS = [
    ("The lesson was outstanding.", "lesson was outstanding"),
    ("Overall the teaching is good", "teaching is good"),
    ("the teaching was really good", "teaching was really good"),
    ("The lessons were good", "lessons were good"),
    ("Teaching requires improvement in places", "requires improvement"),
    ("This was an inadequate lesson", "inadequate lesson"),
    ("An outstanding lesson!", "outstanding lesson"),
    ("good teaching overall", "good teaching"),
    ("the lesson was a good lesson", "lesson was a good lesson"),
    ("The teacher is good", "teacher is good"),
    ("Learning was good", "Learning was good"),
    ("Good with outstanding features", "Good with outstanding features"),
    ("Overall: good", "Overall: good"),
    ("Judged to be good", "Judged to be good"),
    ("graded inadequate", "graded inadequate"),
    ("rated 2", "rated 2"),
    ("Grade 2", "Grade 2"),
    ("It was a grade 1 lesson", "grade 1"),
    ("3/5", "3/5"),
    ("I'd give it 3/5", "give it 3/5"),
    ("Pace: 7/10", "7/10"),
    ("7/10 for pace", "7/10"),
    ("I would give the lesson 4/5", "lesson 4/5"),
    ("8 out of 10", "8 out of 10"),
    ("A solid 8 out of 10 from me", "8 out of 10"),
    ("Lesson score: 7", "Lesson score: 7"),
    ("a score of 4", "score of 4"),
]

# Evidence, questions and take-aways that use the same words without a verdict.
EVIDENCE = [
    "good question",
    "Good question from pupil B about equivalent fractions",
    "outstanding question from pupil C",
    "Pupil A gave a good answer after wait time",
    "the teacher asked good follow-up questions",
    "Pupils were good at explaining their method",
    "It was good to see pupils discussing in pairs",
    "a good example of retrieval practice",
    "I will share this good practice with my department",
    "the lighting was inadequate for the demonstration",
    "improvement in pupil B's second answer",
    "8 out of 10 pupils answered the hinge question correctly",
    "10 out of 30 students had their hands up",
    "14/30 pupils wrote a full sentence",
    "3/4 of the class used the bar model",
    "Pupil B explained why 3/4 is bigger than 2/3",
    "Simplify 6/10 first, then compare",
    "the answer was 3/5",
    "5/6 groups finished the task",
    "On 7/9/2026 the class revised",
    "pupil A got a grade 4 on the mock",
    "GCSE grade 4 boundary questions",
    "Pupil C scored 7 on the quiz",
    "How did you decide when to move on?",
]


@pytest.mark.parametrize(("note", "phrase"), VERDICTS)
def test_verdicts_are_found(note: str, phrase: str) -> None:
    assert find_judgements({"evidence": [note]}) == [Finding("evidence[0]", phrase)]


@pytest.mark.parametrize("note", EVIDENCE)
def test_evidence_is_left_alone(note: str) -> None:
    assert find_judgements({"evidence": [note]}) == []


def test_findings_say_which_entry_of_which_field() -> None:
    found = find_judgements(
        {
            "evidence": ["Pupils used whiteboards", "requires improvement"],
            "questions": ["Why that starter?"],
            "takeaways": ["The lesson was good; grade 2 overall"],
        }
    )
    assert found == [
        Finding("evidence[1]", "requires improvement"),
        Finding("takeaways[0]", "lesson was good"),
        Finding("takeaways[0]", "grade 2"),
    ]


def test_a_schools_own_patterns_replace_the_default() -> None:
    own = compile_patterns([r"\bexemplary\b", r"\bmet expectations\b"])
    notes = {"evidence": ["An exemplary starter", "The lesson was outstanding"]}
    assert find_judgements(notes, own) == [Finding("evidence[0]", "exemplary")]
    assert find_judgements(notes) == [Finding("evidence[1]", "lesson was outstanding")]


def test_patterns_ignore_case() -> None:
    own = compile_patterns([r"\bexemplary\b"])
    assert find_judgements({"questions": ["EXEMPLARY"]}, own) == [
        Finding("questions[0]", "EXEMPLARY")
    ]


@pytest.mark.parametrize(
    ("patterns", "index", "reason"),
    [
        (["ok", "("], 1, "not a valid regular expression"),
        (["a*"], 0, "matches empty text"),
        ([r"\bok\b", r"(\w+\s?)+$"], 1, "repeats a group"),
        ([r"(a*)*b"], 0, "repeats a group"),
    ],
)
def test_broken_patterns_are_refused(patterns: list[str], index: int, reason: str) -> None:
    with pytest.raises(InvalidPattern) as refused:
        compile_patterns(patterns)
    assert refused.value.index == index
    assert reason in refused.value.reason


def test_the_default_set_compiles() -> None:
    assert len(compile_patterns(DEFAULT_PATTERNS)) == len(DEFAULT_PATTERNS)
