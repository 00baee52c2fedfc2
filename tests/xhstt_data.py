"""The real XHSTT archives the tests read, and an independent reading of them.

The archives live beside the repository (third-party data, never copied into
it): LESSONSTUDY_XHSTT_DIR, or ../shared/data/xhstt from the repository root.
Their absence fails the tests that need them rather than skipping them.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ST_PAUL = "EnglandStPaul.xml"
FINLAND = "FinlandSecondarySchool.xml"
# Of St Paul's six solutions, four place every lesson; this is the one of
# them with no teacher or class double-booked.
ST_PAUL_GROUP = "Lectio@ITC2011"
FINLAND_GROUP = "CimmoJari_2011-12-21"


def _data_dir() -> Path:
    configured = os.environ.get("LESSONSTUDY_XHSTT_DIR")
    if configured:
        return Path(configured)
    return REPO_ROOT / ".." / "shared" / "data" / "xhstt"


# --- an independent reading of the raw file, to check the reader against ---

# Both archives spell a period's id as day word + period number
# ("TimeSlot_ma3", "Mo_3").  Working from that spelling, not from file order
# or Day references, keeps this computation apart from the reader's.
_TIME_ID = re.compile(r"([A-Za-z]+)_?(\d+)$")


def time_slot(time_id: str) -> tuple[str, int]:
    match = _TIME_ID.search(time_id)
    assert match, time_id
    return match[1], int(match[2])


def busy_periods_by_teacher(path: Path, group_id: str) -> tuple[set[str], dict[str, set[str]]]:
    """Every period id, and each teacher's taught periods, by XPath over the raw file.

    Teachers are found by the event's Role element here (the reader goes by
    the resource's ResourceType instead).
    """
    root = ET.parse(path).getroot()  # noqa: S314  # the shared archive, not an upload
    time_by_slot = {
        time_slot(time.attrib["Id"]): time.attrib["Id"]
        for time in root.iterfind("./Instances/Instance/Times/Time")
    }
    teachers_of: dict[str, list[str]] = {}
    length_of: dict[str, int] = {}
    for event in root.iterfind("./Instances/Instance/Events/Event"):
        teachers_of[event.attrib["Id"]] = [
            resource.attrib["Reference"]
            for resource in event.iterfind("./Resources/Resource[@Reference]")
            if resource.findtext("Role") == "Teacher"
        ]
        length_of[event.attrib["Id"]] = int(event.findtext("Duration") or "0")

    busy: dict[str, set[str]] = defaultdict(set)
    (group,) = root.findall(f"./SolutionGroups/SolutionGroup[@Id='{group_id}']")
    for placed in group.iterfind("./Solution/Events/Event[Time]"):
        event_id = placed.attrib["Reference"]
        start = placed.find("Time")
        assert start is not None  # the [Time] predicate selected only placed events
        day, first = time_slot(start.attrib["Reference"])
        length = int(placed.findtext("Duration") or length_of[event_id])
        for offset in range(length):
            for teacher in teachers_of[event_id]:
                busy[teacher].add(time_by_slot[(day, first + offset)])
    return set(time_by_slot.values()), busy


def xhstt_folder() -> Path:
    """The folder with both archives, or a failed test saying where it looked."""
    folder = _data_dir()
    missing = [name for name in (ST_PAUL, FINLAND) if not (folder / name).is_file()]
    if missing:
        pytest.fail(
            f"XHSTT test data missing: {missing} not found in {folder.resolve()}. "
            "Set LESSONSTUDY_XHSTT_DIR to the folder holding the XHSTT archive files.",
            pytrace=False,
        )
    return folder
