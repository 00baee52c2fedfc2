"""The XHSTT reader against two real school weeks and a few hand-made archives.

The real archives live beside the repository (they are third-party data and
are never copied into it): LESSONSTUDY_XHSTT_DIR, or ../shared/data/xhstt
from the repository root.  Their absence fails the tests rather than skipping
them, so a CI run without the data cannot pass silently.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lessonstudy.integrations.xhstt import (
    XhsttError,
    XhsttTimetable,
    load_xhstt,
    load_xhstt_bytes,
    solution_group_ids,
)
from tests.xhstt_data import (
    FINLAND,
    FINLAND_GROUP,
    ST_PAUL,
    ST_PAUL_GROUP,
    busy_periods_by_teacher,
    xhstt_folder,
)


@pytest.fixture(scope="module")
def xhstt_dir() -> Path:
    return xhstt_folder()


@pytest.fixture(scope="module")
def st_paul(xhstt_dir: Path) -> XhsttTimetable:
    return load_xhstt(xhstt_dir / ST_PAUL, ST_PAUL_GROUP)


@pytest.fixture(scope="module")
def finland(xhstt_dir: Path) -> XhsttTimetable:
    return load_xhstt(xhstt_dir / FINLAND, FINLAND_GROUP)


def _free_periods(timetable: XhsttTimetable, teacher_id: str) -> set[str]:
    taught = {
        time_id
        for lesson in timetable.lessons
        if teacher_id in lesson.teacher_ids
        for time_id in lesson.time_ids
    }
    return {time.id for time in timetable.times} - taught


# --- St Paul's School, England ---


def test_st_paul_lists_its_solution_groups_in_file_order(xhstt_dir: Path) -> None:
    assert solution_group_ids(xhstt_dir / ST_PAUL) == [
        "GerhardPost_2010-12-21",
        "Lectio@ITC2011",
        "GOAL team Thu Feb 12 02:10:16 2015",
        "GOAL team Thu Dec  8 16:54:54 2016",
        "Skolaris_2019-04-18",
        "Dudek Timetables 2022",
    ]


def test_st_paul_week_shape(st_paul: XhsttTimetable) -> None:
    assert st_paul.instance_id == "UK-SP-06"
    assert st_paul.solution_group_id == ST_PAUL_GROUP
    assert [name for _, name in st_paul.days] == ["ma", "di", "wo", "do", "vr"]
    assert len(st_paul.times) == 25
    assert Counter(time.day_index for time in st_paul.times) == dict.fromkeys(range(5), 5)
    first, last = st_paul.times[0], st_paul.times[-1]
    assert (first.id, first.name, first.day_id, first.day_index, first.period_index) == (
        "TimeSlot_ma1",
        "ma1",
        "gr_Day_ma",
        0,
        0,
    )
    assert (last.name, last.day_index, last.period_index) == ("vr5", 4, 4)
    assert (len(st_paul.teachers), len(st_paul.classes), len(st_paul.rooms)) == (68, 67, 67)
    assert st_paul.teachers["Teacher_ACL"] == "ACL"


def test_st_paul_places_every_lesson_once_for_one_period(st_paul: XhsttTimetable) -> None:
    assert len(st_paul.lessons) == 1227
    assert st_paul.unplaced_event_ids == ()
    assert len({lesson.event_id for lesson in st_paul.lessons}) == 1227
    assert all(lesson.duration == 1 and len(lesson.time_ids) == 1 for lesson in st_paul.lessons)
    assert all(len(lesson.teacher_ids) == 1 for lesson in st_paul.lessons)
    # Rooms are left open in the instance; this solution fills every one.
    assert all(len(lesson.room_ids) == 1 for lesson in st_paul.lessons)
    first = st_paul.lessons[0]
    assert (first.event_id, first.course, first.class_ids, first.time_ids) == (
        "Ar (10S)_29900",
        "Ar-10S",
        ("Class_10S",),
        ("TimeSlot_di1",),
    )


def test_st_paul_reports_the_lessons_an_incomplete_solution_leaves_out(xhstt_dir: Path) -> None:
    timetable = load_xhstt(xhstt_dir / ST_PAUL, "GerhardPost_2010-12-21")
    assert len(timetable.unplaced_event_ids) == 16
    assert len(timetable.lessons) == 1227 - 16
    placed = {lesson.event_id for lesson in timetable.lessons}
    assert placed.isdisjoint(timetable.unplaced_event_ids)


def test_st_paul_free_periods_match_an_independent_reading(
    xhstt_dir: Path, st_paul: XhsttTimetable
) -> None:
    all_periods, busy = busy_periods_by_teacher(xhstt_dir / ST_PAUL, ST_PAUL_GROUP)
    assert {time.id for time in st_paul.times} == all_periods
    assert set(busy) <= set(st_paul.teachers)
    for teacher_id in st_paul.teachers:
        assert _free_periods(st_paul, teacher_id) == all_periods - busy[teacher_id], teacher_id
    # One teacher checked by hand with grep: FSM teaches 8A English three times.
    assert _free_periods(st_paul, "Teacher_FSM") == all_periods - {
        "TimeSlot_di5",
        "TimeSlot_wo3",
        "TimeSlot_vr1",
    }


# --- a Finnish secondary school ---


def test_finland_week_and_double_lessons(finland: XhsttTimetable) -> None:
    assert finland.instance_id == "FI-MP-06"
    assert len(finland.teachers) == 25
    assert len(finland.classes) == 14
    assert len(finland.times) == 35
    assert Counter(time.day_index for time in finland.times) == dict.fromkeys(range(5), 7)
    assert len(finland.lessons) == 280
    assert finland.unplaced_event_ids == ()
    assert Counter(lesson.duration for lesson in finland.lessons) == {1: 254, 2: 26}

    by_id = {time.id: time for time in finland.times}
    doubles = [lesson for lesson in finland.lessons if lesson.duration == 2]
    for lesson in doubles:
        start, end = (by_id[time_id] for time_id in lesson.time_ids)
        assert start.day_id == end.day_id, lesson
        assert end.period_index == start.period_index + 1, lesson
    assert doubles[0].event_id == "Event_C033_1"
    assert doubles[0].time_ids == ("Mo_5", "Mo_6")


def test_finland_free_periods_match_an_independent_reading(
    xhstt_dir: Path, finland: XhsttTimetable
) -> None:
    all_periods, busy = busy_periods_by_teacher(xhstt_dir / FINLAND, FINLAND_GROUP)
    assert {time.id for time in finland.times} == all_periods
    with_doubles = {
        t for lesson in finland.lessons if lesson.duration == 2 for t in lesson.teacher_ids
    }
    assert with_doubles, "the check below must cover teachers who teach doubles"
    for teacher_id in finland.teachers:
        assert _free_periods(finland, teacher_id) == all_periods - busy[teacher_id], teacher_id


def test_upload_bytes_read_like_the_file(xhstt_dir: Path, finland: XhsttTimetable) -> None:
    data = (xhstt_dir / FINLAND).read_bytes()
    assert load_xhstt_bytes(data, FINLAND_GROUP) == finland
    assert load_xhstt_bytes(data, FINLAND_GROUP, instance_id="FI-MP-06") == finland


def test_unknown_solution_group_names_the_groups_there_are(xhstt_dir: Path) -> None:
    with pytest.raises(XhsttError, match=r"no solution group 'Nobody 1999'.*Dudek Timetables"):
        load_xhstt(xhstt_dir / ST_PAUL, "Nobody 1999")


def test_solution_group_of_another_instance_is_refused(xhstt_dir: Path) -> None:
    with pytest.raises(XhsttError, match=r"no solution of instance 'UK-SP-06'.*FI-MP-06"):
        load_xhstt(xhstt_dir / FINLAND, FINLAND_GROUP, instance_id="UK-SP-06")


# --- hand-made archives for the edge cases the real files do not have ---

# Two days of two periods.  The teacher's resource type says nothing about
# what it is ("Person"), so the reader has to go by its resource group.
_TINY_INSTANCE = """
  <Instances><Instance Id="tiny">
    <Times>
      <TimeGroups>
        <Day Id="mon"><Name>Monday</Name></Day>
        <Day Id="tue"><Name>Tuesday</Name></Day>
      </TimeGroups>
      <Time Id="mon1"><Name>Mon 1</Name><Day Reference="mon"/></Time>
      <Time Id="mon2"><Name>Mon 2</Name><Day Reference="mon"/></Time>
      <Time Id="tue1"><Name>Tue 1</Name><Day Reference="tue"/></Time>
      <Time Id="tue2"><Name>Tue 2</Name><Day Reference="tue"/></Time>
    </Times>
    <Resources>
      <ResourceTypes>
        <ResourceType Id="Person"><Name>Person</Name></ResourceType>
        <ResourceType Id="Class"><Name>Class</Name></ResourceType>
        <ResourceType Id="Room"><Name>Room</Name></ResourceType>
      </ResourceTypes>
      <ResourceGroups>
        <ResourceGroup Id="staff"><Name>All teachers</Name><ResourceType Reference="Person"/>
        </ResourceGroup>
      </ResourceGroups>
      <Resource Id="okafor"><Name>Ms Okafor</Name><ResourceType Reference="Person"/>
        <ResourceGroups><ResourceGroup Reference="staff"/></ResourceGroups></Resource>
      <Resource Id="7A"><Name>7A</Name><ResourceType Reference="Class"/></Resource>
      <Resource Id="lab"><Name>Lab 2</Name><ResourceType Reference="Room"/></Resource>
    </Resources>
    <Events>
      <EventGroups><Course Id="sci7"><Name>Science 7</Name></Course></EventGroups>
      <Event Id="sci"><Name>Science 7A</Name><Duration>2</Duration><Course Reference="sci7"/>
        <Resources>
          <Resource Reference="okafor"><Role>Teacher</Role></Resource>
          <Resource Reference="7A"><Role>Class</Role></Resource>
          <Resource><Role>Room</Role><ResourceType Reference="Room"/></Resource>
        </Resources>
      </Event>
      <Event Id="tutor"><Name>Tutor time</Name><Duration>1</Duration>
        <Resources><Resource Reference="7A"><Role>Class</Role></Resource></Resources>
      </Event>
    </Events>
  </Instance></Instances>
"""


def _tiny_archive(solution_events: str) -> bytes:
    return (
        "<HighSchoolTimetableArchive>"
        + _TINY_INSTANCE
        + '<SolutionGroups><SolutionGroup Id="hand"><Solution Reference="tiny"><Events>'
        + solution_events
        + "</Events></Solution></SolutionGroup></SolutionGroups>"
        + "</HighSchoolTimetableArchive>"
    ).encode()


def test_double_fills_its_open_room_and_omitted_event_is_unplaced() -> None:
    timetable = load_xhstt_bytes(
        _tiny_archive(
            '<Event Reference="sci"><Time Reference="tue1"/>'
            '<Resources><Resource Reference="lab"><Role>Room</Role></Resource></Resources>'
            "</Event>"
        ),
        "hand",
    )
    assert timetable.days == (("mon", "Monday"), ("tue", "Tuesday"))
    assert timetable.teachers == {"okafor": "Ms Okafor"}
    assert timetable.classes == {"7A": "7A"}
    assert timetable.rooms == {"lab": "Lab 2"}
    (lesson,) = timetable.lessons
    assert lesson.event_id == "sci"
    assert lesson.name == "Science 7A"
    assert lesson.course == "Science 7"
    assert (lesson.teacher_ids, lesson.class_ids, lesson.room_ids) == (
        ("okafor",),
        ("7A",),
        ("lab",),
    )
    assert (lesson.duration, lesson.time_ids) == (2, ("tue1", "tue2"))
    assert timetable.unplaced_event_ids == ("tutor",)


def test_event_the_solution_gives_no_time_is_unplaced() -> None:
    timetable = load_xhstt_bytes(
        _tiny_archive(
            '<Event Reference="sci"><Time Reference="mon1"/></Event><Event Reference="tutor"/>'
        ),
        "hand",
    )
    assert [lesson.time_ids for lesson in timetable.lessons] == [("mon1", "mon2")]
    assert timetable.lessons[0].room_ids == ()
    assert timetable.unplaced_event_ids == ("tutor",)


def test_double_split_into_singles_keeps_each_part_and_reports_the_unplaced_one() -> None:
    timetable = load_xhstt_bytes(
        _tiny_archive(
            '<Event Reference="sci"><Duration>1</Duration><Time Reference="tue2"/></Event>'
            '<Event Reference="sci"><Duration>1</Duration></Event>'
            '<Event Reference="tutor"><Time Reference="mon1"/></Event>'
        ),
        "hand",
    )
    assert [
        (lesson.event_id, lesson.duration, lesson.time_ids) for lesson in timetable.lessons
    ] == [
        ("sci", 1, ("tue2",)),
        ("tutor", 1, ("mon1",)),
    ]
    assert timetable.unplaced_event_ids == ("sci",)


def test_solution_durations_that_do_not_add_up_are_refused() -> None:
    archive = _tiny_archive(
        '<Event Reference="sci"><Duration>1</Duration><Time Reference="mon1"/></Event>'
    )
    with pytest.raises(
        XhsttError, match=r"gives Event 'sci' 1 periods in all, but the event lasts 2"
    ):
        load_xhstt_bytes(archive, "hand")


def test_double_running_past_the_end_of_the_day_is_refused() -> None:
    # mon2 is followed in the file by tue1: a double there would span two days.
    archive = _tiny_archive('<Event Reference="sci"><Time Reference="mon2"/></Event>')
    with pytest.raises(
        XhsttError,
        match=r"Event 'sci' starts at 'mon2' \(period 2 of 2 on 'Monday'\) and lasts 2 "
        r"periods, so it runs past the end of the day",
    ):
        load_xhstt_bytes(archive, "hand")


def test_reference_to_an_unknown_period_is_refused() -> None:
    archive = _tiny_archive('<Event Reference="sci"><Time Reference="wed1"/></Event>')
    with pytest.raises(XhsttError, match=r"solution of Event 'sci' refers to unknown Time 'wed1'"):
        load_xhstt_bytes(archive, "hand")


def test_malformed_xml_is_refused_with_its_position() -> None:
    broken = b"<HighSchoolTimetableArchive>\n  <Instances>\n</HighSchoolTimetableArchive>"
    with pytest.raises(XhsttError, match=r"not well-formed XML \(mismatched tag: line 3"):
        load_xhstt_bytes(broken, "hand")


def test_document_type_declaration_is_refused() -> None:
    archive = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + _tiny_archive("")
    with pytest.raises(XhsttError, match=r"declares a <!DOCTYPE>"):
        load_xhstt_bytes(archive, "hand")
