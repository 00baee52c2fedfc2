"""The pure rules: the cycle's moves, the discussion's order, and escaping in write-ups."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from lessonstudy.domain.lesson_study import protocol, rendering
from lessonstudy.domain.lesson_study.protocol import Said, Step
from lessonstudy.domain.lesson_study.stages import MOVES, Facts, Stage, decide
from lessonstudy.domain.lesson_study.write_ups import WriteUpDocument

PUPILS = ["A", "B"]


@given(stage=st.sampled_from(Stage), target=st.sampled_from(Stage), reason=st.booleans())
def test_no_move_outside_the_table_is_ever_allowed(
    stage: Stage, target: Stage, reason: bool
) -> None:
    facts = Facts(stage=stage, reason="why" if reason else None, lesson_over=True)
    decision = decide(facts, target)
    if target not in MOVES[stage]:
        assert not decision.allowed
    if not decision.allowed:
        assert decision.unmet  # a refusal always says why


def test_each_move_names_what_is_missing() -> None:
    assert decide(
        Facts(stage=Stage.PLAN, plan_gaps=("the lesson's stages",), booking_gaps=("book",)),
        Stage.TEACH,
    ).unmet == ("the lesson's stages", "book")
    assert decide(Facts(stage=Stage.PLAN), Stage.TEACH).allowed
    early = Facts(stage=Stage.TEACH, lesson_ends="09:55")
    assert not decide(early, Stage.OBSERVE).allowed
    assert decide(Facts(stage=Stage.TEACH, by_teacher=True), Stage.OBSERVE).allowed
    waiting = Facts(stage=Stage.OBSERVE, observers_pending=("Cat",))
    assert decide(waiting, Stage.DEBRIEF).unmet[0] == "Cat has not submitted their observations"
    overridden = decide(
        Facts(stage=Stage.OBSERVE, observers_pending=("Cat",), reason="ill"), Stage.DEBRIEF
    )
    assert overridden.allowed
    assert overridden.override
    assert decide(Facts(stage=Stage.CLOSED), Stage.PLAN).unmet == (
        "the cycle is closed; start the next cycle instead",
    )


def _said(*entries: tuple[Step, str | None]) -> list[Said]:
    return [Said(step, pupil) for step, pupil in entries]


def test_the_discussion_goes_in_protocol_order() -> None:
    nothing: list[Said] = []
    assert protocol.refusals(Step.EVIDENCE, nothing, PUPILS, has_knowledgeable_other=True) == []
    one = _said((Step.EVIDENCE, "A"))
    assert protocol.refusals(Step.REFLECTION, one, PUPILS, has_knowledgeable_other=True) == [
        "evidence about pupil B"
    ]
    both = _said((Step.EVIDENCE, "A"), (Step.EVIDENCE, "B"))
    assert protocol.refusals(Step.REFLECTION, both, PUPILS, has_knowledgeable_other=True) == []
    assert protocol.refusals(Step.FINAL_COMMENTS, both, PUPILS, has_knowledgeable_other=True)[
        0
    ] == ("the teacher's reflection comes next")
    assert protocol.unfinished(both, PUPILS, has_knowledgeable_other=False) == [
        "the teacher's reflection",
        "what the group learned",
        "what changes for the next research lesson",
    ]


@given(steps=st.lists(st.sampled_from(Step), max_size=12))
def test_an_accepted_discussion_never_goes_back(steps: list[Step]) -> None:
    accepted: list[Said] = []
    for step in steps:
        pupil = PUPILS[len(accepted) % 2] if step is Step.EVIDENCE else None
        if not protocol.refusals(step, accepted, PUPILS, has_knowledgeable_other=True):
            accepted.append(Said(step, pupil))
    order = [s.step for s in accepted]
    assert order == sorted(order)


HOSTILE = '<script>alert("x")</script> & [link](javascript:alert(1)) **bold** # head'


def _document(text: str) -> WriteUpDocument:
    return WriteUpDocument(
        school="Riverside <High>",
        research_focus=text,
        focus_class="9B/Ma",
        academic_year="2026-27",
        members=["Ann <Archer>"],
        knowledgeable_other=None,
        cycles_closed=1,
        planned_cycles=3,
        learned=text + "\n\n- a list item\n1. numbered",
        evidence=None,
        recommendations=text,
        published_at=datetime(2027, 3, 1, tzinfo=UTC),
    )


def test_html_escapes_everything_people_typed() -> None:
    page = rendering.html_page(_document(HOSTILE))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "Riverside &lt;High&gt;" in page
    assert page.startswith("<!DOCTYPE html>")
    assert "Published 2027-03-01" in page


def test_markdown_escapes_formatting_links_and_html() -> None:
    document = rendering.markdown(_document(HOSTILE))
    assert "<script>" not in document
    assert "\\[link\\]\\(javascript:alert\\(1\\)\\)" in document
    assert "\\*\\*bold\\*\\*" in document
    assert "\n\\- a list item" in document
    assert "\n1\\. numbered" in document
    assert "_Not written yet._" in document


@given(text=st.text(max_size=200))
def test_no_text_becomes_a_tag_in_html(text: str) -> None:
    page = rendering.html_page(_document(text))
    body = page.split("<body>", 1)[1]
    for tag in ("<script", "<img", "<a ", "<iframe"):
        assert tag not in body.replace("<article>", "")
