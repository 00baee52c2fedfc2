"""No grade, score or rating anywhere in the API: checked on the whole OpenAPI document."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lessonstudy.cli import openapi_document

FORBIDDEN = re.compile(r"grade|score|rating|judgement|judgment", re.IGNORECASE)


def _names(node: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    """Every property, parameter and schema name in the document, with where it is."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name in properties:
                yield name, f"{where}.properties"
        if "name" in node and "in" in node:  # a parameter
            yield str(node["name"]), where
        for key, value in node.items():
            yield from _names(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _names(value, f"{where}[{index}]")


def test_no_property_or_parameter_grades_anyone() -> None:
    document = json.loads(openapi_document())
    found = [(name, where) for name, where in _names(document) if FORBIDDEN.search(name)]
    assert found == []
    schemas = [name for name in document["components"]["schemas"] if FORBIDDEN.search(name)]
    assert schemas == []


def test_the_walk_sees_observation_fields() -> None:
    # Guards the test above against walking nothing.
    names = {name for name, _ in _names(json.loads(openapi_document()))}
    assert {"evidence", "questions", "takeaways", "focus", "purpose", "as"} <= names
