"""lessonstudy: lesson study and developmental peer observation for schools."""

__version__ = "0.1.0"
