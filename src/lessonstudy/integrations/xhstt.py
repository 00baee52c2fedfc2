"""Read a school's weekly timetable from an XHSTT archive and one chosen solution.

XHSTT (the high-school timetabling archive format) separates the *instance*
(the weekly periods, the teachers, classes and rooms, and the lessons to be
timetabled) from *solutions* (where each lesson was put).  An archive usually
carries several solutions from different solvers, and some of them leave
lessons without a time.  A school's "who is free when" must come from one
solution only, so the caller names the solution group explicitly and every
lesson that solution leaves unplaced is reported, never guessed.

The module is pure: standard library only, no I/O beyond reading the file it
is given, so the HTTP import, the command line and the tests share it.  Each
document is parsed once into an ElementTree and read with dictionary lookups
(no repeated scans), which keeps a 2.7 MB archive well under a second.

Identifiers in the result are the XHSTT ``Id`` attributes exactly as written
in the file (solutions refer to them), with names kept beside them.
"""

from __future__ import annotations

import enum
import os
import xml.etree.ElementTree as ET
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

__all__ = [
    "XhsttError",
    "XhsttLesson",
    "XhsttTime",
    "XhsttTimetable",
    "load_xhstt",
    "load_xhstt_bytes",
    "solution_group_ids",
    "solution_group_ids_bytes",
]

_ARCHIVE_TAG = "HighSchoolTimetableArchive"
_SOLUTION_GROUP_PATH = (_ARCHIVE_TAG, "SolutionGroups", "SolutionGroup")
# Files are fed to the parser in slices, so a file's raw bytes are never held in
# memory beside the tree built from them.
_CHUNK_BYTES = 1 << 20
_UPLOAD_LABEL = "uploaded XHSTT document"


class XhsttError(ValueError):
    """The document cannot be read as the timetable asked for.

    The message names the document and the offending element so a person can
    fix the file or pick another solution group.
    """


@dataclass(frozen=True, slots=True)
class XhsttTime:
    """One period of the weekly timetable."""

    id: str
    name: str
    day_id: str
    day_index: int
    period_index: int


@dataclass(frozen=True, slots=True)
class XhsttLesson:
    """One placed meeting of an event: who teaches whom, where and when."""

    event_id: str
    name: str
    course: str | None
    teacher_ids: tuple[str, ...]
    class_ids: tuple[str, ...]
    room_ids: tuple[str, ...]
    duration: int
    time_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class XhsttTimetable:
    """A school's week as one solution of one instance lays it out."""

    instance_id: str
    solution_group_id: str
    days: tuple[tuple[str, str], ...]
    times: tuple[XhsttTime, ...]
    teachers: dict[str, str]
    classes: dict[str, str]
    rooms: dict[str, str]
    lessons: tuple[XhsttLesson, ...]
    unplaced_event_ids: tuple[str, ...]


class _Kind(enum.Enum):
    TEACHER = "teacher"
    CLASS = "class"
    ROOM = "room"


# XHSTT leaves the naming of resource types to the file's author, so a kind is
# recognised by a word in the type's (or, failing that, the resource group's)
# id and name.  Room is tested before class so that a "Classroom" is a room.
_KIND_WORDS: tuple[tuple[_Kind, tuple[str, ...]], ...] = (
    (_Kind.TEACHER, ("teacher",)),
    (_Kind.ROOM, ("room",)),
    (_Kind.CLASS, ("class", "student", "pupil")),
)


@dataclass(frozen=True, slots=True)
class _Event:
    id: str
    name: str
    course: str | None
    duration: int
    resource_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _SolutionEvent:
    duration: int
    time_id: str | None
    resource_ids: tuple[str, ...]


class _DoctypeRefused(Exception):
    """Raised from inside the parser; turned into an XhsttError by the caller."""


class _TreeBuilderWithoutDoctype(ET.TreeBuilder):
    # Expat calls this at the start of a <!DOCTYPE>, before any entity in it is
    # declared, so refusing here rules out entity expansion from uploads.
    # XHSTT documents never carry a DTD.
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DoctypeRefused


class _SolutionGroupIdCollector:
    """Parser target that keeps only the SolutionGroup ids, building no tree."""

    def __init__(self) -> None:
        self._path: list[str] = []
        self.root_tag: str | None = None
        self.ids: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.root_tag is None:
            self.root_tag = tag
        self._path.append(tag)
        if len(self._path) == len(_SOLUTION_GROUP_PATH) and tuple(self._path) == (
            _SOLUTION_GROUP_PATH
        ):
            self.ids.append(attrib.get("Id", ""))

    def end(self, tag: str) -> None:
        self._path.pop()

    def data(self, data: str) -> None:
        return None

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _DoctypeRefused

    def close(self) -> None:
        return None


def _file_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK_BYTES):
        yield chunk


def _bytes_chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK_BYTES):
        yield bytes(view[start : start + _CHUNK_BYTES])


def _feed(parser: ET.XMLParser, chunks: Iterable[bytes], label: str) -> None:
    try:
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
    except ET.ParseError as exc:
        raise XhsttError(f"{label}: not well-formed XML ({exc})") from exc
    except _DoctypeRefused as exc:
        raise XhsttError(
            f"{label}: declares a <!DOCTYPE>; XHSTT documents have none and DTDs are "
            "refused so that entity definitions cannot be abused"
        ) from exc


def _parse_tree(chunks: Iterable[bytes], label: str) -> ET.Element:
    builder = _TreeBuilderWithoutDoctype()
    _feed(ET.XMLParser(target=builder), chunks, label)  # noqa: S314  # DTDs refused
    root = builder.close()
    if root.tag != _ARCHIVE_TAG:
        raise XhsttError(f"{label}: root element is <{root.tag}>, expected <{_ARCHIVE_TAG}>")
    return root


def _collect_group_ids(chunks: Iterable[bytes], label: str) -> list[str]:
    collector = _SolutionGroupIdCollector()
    _feed(ET.XMLParser(target=collector), chunks, label)  # noqa: S314  # DTDs refused
    if collector.root_tag != _ARCHIVE_TAG:
        raise XhsttError(
            f"{label}: root element is <{collector.root_tag}>, expected <{_ARCHIVE_TAG}>"
        )
    if "" in collector.ids:
        raise XhsttError(f"{label}: a SolutionGroup has no Id attribute")
    return collector.ids


def solution_group_ids(path: str | os.PathLike[str]) -> list[str]:
    """Ids of the solution groups in the archive at ``path``, in file order."""
    with open(path, "rb") as stream:
        return _collect_group_ids(_file_chunks(stream), os.fspath(path))


def solution_group_ids_bytes(data: bytes) -> list[str]:
    """Ids of the solution groups in an archive held in memory (an upload)."""
    return _collect_group_ids(_bytes_chunks(data), _UPLOAD_LABEL)


def load_xhstt(
    path: str | os.PathLike[str], solution_group_id: str, instance_id: str | None = None
) -> XhsttTimetable:
    """Read the timetable that solution group ``solution_group_id`` gives.

    ``instance_id`` is needed only when the group holds solutions of several
    instances.  Raises XhsttError for anything in the document that prevents
    an exact reading; a missing file raises the usual OSError.
    """
    label = os.fspath(path)
    with open(path, "rb") as stream:
        root = _parse_tree(_file_chunks(stream), label)
    return _read_timetable(root, solution_group_id, instance_id, label)


def load_xhstt_bytes(
    data: bytes, solution_group_id: str, instance_id: str | None = None
) -> XhsttTimetable:
    """As load_xhstt, for a document received as bytes (an HTTP upload)."""
    root = _parse_tree(_bytes_chunks(data), _UPLOAD_LABEL)
    return _read_timetable(root, solution_group_id, instance_id, _UPLOAD_LABEL)


def _required_id(element: ET.Element, label: str) -> str:
    value = element.get("Id")
    if not value:
        raise XhsttError(f"{label}: a <{element.tag}> has no Id attribute")
    return value


def _required_reference(element: ET.Element, owner: str, label: str) -> str:
    value = element.get("Reference")
    if not value:
        raise XhsttError(f"{label}: {owner}: <{element.tag}> has no Reference attribute")
    return value


def _name(element: ET.Element, fallback: str) -> str:
    # Name is mandatory in XHSTT, but an absent one is no reason to refuse a
    # whole timetable: the id still tells a person which item is meant.
    text = element.findtext("Name")
    return text.strip() if text and text.strip() else fallback


def _positive_int(text: str | None, owner: str, label: str) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        value = 0
    if value < 1:
        raise XhsttError(f"{label}: {owner}: Duration {text!r} is not a positive whole number")
    return value


def _check_unique(ids: Container[str], new_id: str, what: str, label: str) -> None:
    if new_id in ids:
        raise XhsttError(f"{label}: {what} Id {new_id!r} is defined twice")


def _choose_solution(
    root: ET.Element, solution_group_id: str, instance_id: str | None, label: str
) -> ET.Element:
    groups = [
        group
        for group in root.iterfind("SolutionGroups/SolutionGroup")
        if group.get("Id") == solution_group_id
    ]
    if not groups:
        known = [group.get("Id") for group in root.iterfind("SolutionGroups/SolutionGroup")]
        raise XhsttError(
            f"{label}: no solution group {solution_group_id!r}; the document has {known}"
        )
    if len(groups) > 1:
        raise XhsttError(f"{label}: solution group Id {solution_group_id!r} is defined twice")
    solutions = groups[0].findall("Solution")
    if instance_id is not None:
        solutions = [s for s in solutions if s.get("Reference") == instance_id]
    if len(solutions) == 1:
        return solutions[0]
    offered = sorted({s.get("Reference") or "?" for s in groups[0].iterfind("Solution")})
    if not solutions:
        raise XhsttError(
            f"{label}: solution group {solution_group_id!r} has no solution of instance "
            f"{instance_id!r}; it solves {offered}"
        )
    if instance_id is None and len(offered) > 1:
        raise XhsttError(
            f"{label}: solution group {solution_group_id!r} solves several instances "
            f"{offered}; name one with instance_id"
        )
    # Two solutions of one instance in one group: choosing either would be a guess.
    raise XhsttError(
        f"{label}: solution group {solution_group_id!r} holds {len(solutions)} solutions "
        f"of instance {solutions[0].get('Reference')!r}; cannot tell which is meant"
    )


def _find_instance(root: ET.Element, instance_id: str, label: str) -> ET.Element:
    for instance in root.iterfind("Instances/Instance"):
        if instance.get("Id") == instance_id:
            return instance
    raise XhsttError(f"{label}: the chosen solution refers to unknown instance {instance_id!r}")


def _read_times(
    instance: ET.Element, label: str
) -> tuple[tuple[tuple[str, str], ...], tuple[XhsttTime, ...]]:
    day_names: dict[str, str] = {}
    for day in instance.iterfind("Times/TimeGroups/Day"):
        day_id = _required_id(day, label)
        _check_unique(day_names, day_id, "Day", label)
        day_names[day_id] = _name(day, day_id)

    # Days are numbered in the order the periods first use them, which is the
    # order of the week in every archive file; unused Day groups are dropped.
    day_order: dict[str, int] = {}
    periods_so_far: dict[str, int] = {}
    times: list[XhsttTime] = []
    seen: set[str] = set()
    for element in instance.iterfind("Times/Time"):
        time_id = _required_id(element, label)
        _check_unique(seen, time_id, "Time", label)
        seen.add(time_id)
        day_ref = element.find("Day")
        if day_ref is None:
            raise XhsttError(
                f"{label}: Time {time_id!r} belongs to no Day; free periods are counted per "
                "day, so every period must name its day"
            )
        day_id = _required_reference(day_ref, f"Time {time_id!r}", label)
        if day_id not in day_names:
            raise XhsttError(f"{label}: Time {time_id!r} refers to unknown Day {day_id!r}")
        day_index = day_order.setdefault(day_id, len(day_order))
        period_index = periods_so_far.get(day_id, 0)
        periods_so_far[day_id] = period_index + 1
        times.append(XhsttTime(time_id, _name(element, time_id), day_id, day_index, period_index))
    if not times:
        raise XhsttError(f"{label}: instance {instance.get('Id')!r} defines no Times")
    days = tuple((day_id, day_names[day_id]) for day_id in day_order)
    return days, tuple(times)


def _kind_from_words(*words: str | None) -> _Kind | None:
    text = " ".join(word.lower() for word in words if word)
    for kind, needles in _KIND_WORDS:
        if any(needle in text for needle in needles):
            return kind
    return None


def _read_resources(
    instance: ET.Element, label: str
) -> tuple[dict[str, _Kind | None], dict[_Kind, dict[str, str]]]:
    """Every resource's kind, and the names of teachers, classes and rooms.

    A resource's kind comes from its ResourceType; when the type's id and name
    say nothing recognisable, the resource groups it belongs to decide
    ("allTeachers").  Resources of other kinds (equipment, say) are known, so
    references to them are not dangling, but they appear in no list.
    """
    type_kinds: dict[str, _Kind | None] = {}
    for rtype in instance.iterfind("Resources/ResourceTypes/ResourceType"):
        type_id = _required_id(rtype, label)
        _check_unique(type_kinds, type_id, "ResourceType", label)
        type_kinds[type_id] = _kind_from_words(type_id, rtype.findtext("Name"))

    group_words: dict[str, str] = {}
    for group in instance.iterfind("Resources/ResourceGroups/ResourceGroup"):
        group_id = _required_id(group, label)
        _check_unique(group_words, group_id, "ResourceGroup", label)
        group_words[group_id] = f"{group_id} {group.findtext('Name') or ''}"

    kinds: dict[str, _Kind | None] = {}
    named: dict[_Kind, dict[str, str]] = {kind: {} for kind in _Kind}
    for resource in instance.iterfind("Resources/Resource"):
        resource_id = _required_id(resource, label)
        _check_unique(kinds, resource_id, "Resource", label)
        owner = f"Resource {resource_id!r}"
        kind: _Kind | None = None
        type_ref = resource.find("ResourceType")
        if type_ref is not None:
            type_id = _required_reference(type_ref, owner, label)
            if type_id not in type_kinds:
                raise XhsttError(f"{label}: {owner} refers to unknown ResourceType {type_id!r}")
            kind = type_kinds[type_id]
        if kind is None:
            refs = [
                _required_reference(ref, owner, label)
                for ref in resource.iterfind("ResourceGroups/ResourceGroup")
            ]
            for group_id in refs:
                if group_id not in group_words:
                    raise XhsttError(
                        f"{label}: {owner} refers to unknown ResourceGroup {group_id!r}"
                    )
            kind = _kind_from_words(*(group_words[g] for g in refs))
        kinds[resource_id] = kind
        if kind is not None:
            named[kind][resource_id] = _name(resource, resource_id)
    return kinds, named


def _resource_refs(
    parent: ET.Element, owner: str, resource_kinds: dict[str, _Kind | None], label: str
) -> tuple[str, ...]:
    refs: list[str] = []
    for element in parent.iterfind("Resources/Resource"):
        ref = element.get("Reference")
        if ref is None:
            # An open slot ("some room"): the solution may fill it.
            continue
        if ref not in resource_kinds:
            raise XhsttError(f"{label}: {owner} refers to unknown Resource {ref!r}")
        refs.append(ref)
    return tuple(refs)


def _read_events(
    instance: ET.Element, resource_kinds: dict[str, _Kind | None], label: str
) -> dict[str, _Event]:
    course_names: dict[str, str] = {}
    for course_group in instance.iterfind("Events/EventGroups/Course"):
        course_id = _required_id(course_group, label)
        _check_unique(course_names, course_id, "Course", label)
        course_names[course_id] = _name(course_group, course_id)

    events: dict[str, _Event] = {}
    for element in instance.iterfind("Events/Event"):
        event_id = _required_id(element, label)
        _check_unique(events, event_id, "Event", label)
        owner = f"Event {event_id!r}"
        course: str | None = None
        course_ref = element.find("Course")
        if course_ref is not None:
            course_id = _required_reference(course_ref, owner, label)
            if course_id not in course_names:
                raise XhsttError(f"{label}: {owner} refers to unknown Course {course_id!r}")
            course = course_names[course_id]
        events[event_id] = _Event(
            id=event_id,
            name=_name(element, event_id),
            course=course,
            duration=_positive_int(element.findtext("Duration"), owner, label),
            resource_ids=_resource_refs(element, owner, resource_kinds, label),
        )
    return events


def _read_solution_events(
    solution: ET.Element,
    events: dict[str, _Event],
    time_ids: dict[str, int],
    resource_kinds: dict[str, _Kind | None],
    label: str,
) -> dict[str, list[_SolutionEvent]]:
    # XHSTT lets a solver split one event into several solution events (a
    # double taught as two singles); they are kept apart as separate lessons.
    by_event: dict[str, list[_SolutionEvent]] = {}
    for element in solution.iterfind("Events/Event"):
        event_id = _required_reference(element, "solution event", label)
        event = events.get(event_id)
        if event is None:
            raise XhsttError(f"{label}: the solution places unknown Event {event_id!r}")
        owner = f"solution of Event {event_id!r}"
        duration_text = element.findtext("Duration")
        duration = (
            event.duration if duration_text is None else _positive_int(duration_text, owner, label)
        )
        time_id: str | None = None
        time_ref = element.find("Time")
        if time_ref is not None:
            time_id = _required_reference(time_ref, owner, label)
            if time_id not in time_ids:
                raise XhsttError(f"{label}: {owner} refers to unknown Time {time_id!r}")
        by_event.setdefault(event_id, []).append(
            _SolutionEvent(duration, time_id, _resource_refs(element, owner, resource_kinds, label))
        )
    return by_event


def _occupied_times(
    event_id: str,
    start_id: str,
    duration: int,
    times: tuple[XhsttTime, ...],
    position: dict[str, int],
    days: dict[str, str],
    label: str,
) -> tuple[str, ...]:
    start = position[start_id]
    run = times[start : start + duration]
    day_id = times[start].day_id
    if len(run) < duration or any(t.day_id != day_id for t in run):
        periods_in_day = sum(1 for t in times if t.day_id == day_id)
        raise XhsttError(
            f"{label}: Event {event_id!r} starts at {start_id!r} (period "
            f"{times[start].period_index + 1} of {periods_in_day} on {days[day_id]!r}) and "
            f"lasts {duration} periods, so it runs past the end of the day"
        )
    return tuple(t.id for t in run)


def _split_by_kind(
    resource_ids: Iterable[str], resource_kinds: dict[str, _Kind | None]
) -> dict[_Kind, tuple[str, ...]]:
    split: dict[_Kind, list[str]] = {kind: [] for kind in _Kind}
    # dict.fromkeys drops a room named both by the event and by the solution.
    for resource_id in dict.fromkeys(resource_ids):
        kind = resource_kinds[resource_id]
        if kind is not None:
            split[kind].append(resource_id)
    return {kind: tuple(ids) for kind, ids in split.items()}


def _read_timetable(
    root: ET.Element, solution_group_id: str, instance_id: str | None, label: str
) -> XhsttTimetable:
    solution = _choose_solution(root, solution_group_id, instance_id, label)
    chosen_instance_id = _required_reference(
        solution, f"solution group {solution_group_id!r}", label
    )
    instance = _find_instance(root, chosen_instance_id, label)

    days, times = _read_times(instance, label)
    position = {time.id: index for index, time in enumerate(times)}
    day_names = dict(days)
    resource_kinds, named = _read_resources(instance, label)
    events = _read_events(instance, resource_kinds, label)
    by_event = _read_solution_events(solution, events, position, resource_kinds, label)

    lessons: list[XhsttLesson] = []
    unplaced: list[str] = []
    # Instance order, not solver output order, so two solutions of the same
    # school list their lessons alike.
    for event in events.values():
        parts = by_event.get(event.id, [])
        if not parts:
            unplaced.append(event.id)
            continue
        total = sum(part.duration for part in parts)
        if total != event.duration:
            raise XhsttError(
                f"{label}: the solution gives Event {event.id!r} {total} periods in all, "
                f"but the event lasts {event.duration}"
            )
        # A split event with one part placed and one not is both a lesson and
        # unplaced: the timetable shows what is known and reports the rest.
        if any(part.time_id is None for part in parts):
            unplaced.append(event.id)
        for part in parts:
            if part.time_id is None:
                continue
            occupied = _occupied_times(
                event.id, part.time_id, part.duration, times, position, day_names, label
            )
            split = _split_by_kind(event.resource_ids + part.resource_ids, resource_kinds)
            lessons.append(
                XhsttLesson(
                    event_id=event.id,
                    name=event.name,
                    course=event.course,
                    teacher_ids=split[_Kind.TEACHER],
                    class_ids=split[_Kind.CLASS],
                    room_ids=split[_Kind.ROOM],
                    duration=part.duration,
                    time_ids=occupied,
                )
            )

    return XhsttTimetable(
        instance_id=chosen_instance_id,
        solution_group_id=solution_group_id,
        days=days,
        times=times,
        teachers=named[_Kind.TEACHER],
        classes=named[_Kind.CLASS],
        rooms=named[_Kind.ROOM],
        lessons=tuple(lessons),
        unplaced_event_ids=tuple(unplaced),
    )
