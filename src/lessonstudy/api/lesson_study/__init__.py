"""The lesson-study API: study groups, research-lesson cycles, write-ups and oversight."""

from lessonstudy.api.lesson_study.cycles import CycleController, StartCycleController
from lessonstudy.api.lesson_study.groups import StudyGroupController
from lessonstudy.api.lesson_study.oversight import OversightController
from lessonstudy.api.lesson_study.records import CycleRecordController
from lessonstudy.api.lesson_study.write_ups import PublishedWriteUpController, WriteUpController

CONTROLLERS = [
    StudyGroupController,
    StartCycleController,
    CycleController,
    CycleRecordController,
    WriteUpController,
    PublishedWriteUpController,
    OversightController,
]

__all__ = ["CONTROLLERS"]
