"""The committed OpenAPI document is the live one, and complete enough to generate a client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lessonstudy.cli import openapi_document

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def live() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(openapi_document())
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_document_is_current() -> None:
    assert COMMITTED.exists(), "run `lessonstudy openapi` and commit openapi/openapi.json"
    assert COMMITTED.read_text() == openapi_document(), (
        "openapi/openapi.json is stale: run `lessonstudy openapi` and commit the result"
    )


def test_every_operation_has_an_id_and_tags(live: dict[str, Any]) -> None:
    ids = []
    for path, method, operation in _operations(live):
        assert operation.get("operationId"), (method, path)
        assert operation.get("tags"), (method, path)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_authenticated_operations_document_their_errors(live: dict[str, Any]) -> None:
    for path, method, operation in _operations(live):
        if operation.get("security") == []:  # public: health probes, calendar feeds
            continue
        responses = operation["responses"]
        for status in ("400", "401", "403"):
            assert status in responses, (method, path, status)
            content = responses[status]["content"]
            assert "application/problem+json" in content, (method, path, status)


def test_bodies_use_named_schemas(live: dict[str, Any]) -> None:
    for path, method, operation in _operations(live):
        body = operation.get("requestBody")
        if body:
            for media_type, content in body["content"].items():
                assert "$ref" in content["schema"], (method, path, media_type)
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if media_type.startswith("text/"):
                    # A document to save or open (a write-up as Markdown or HTML): a string.
                    assert content["schema"] == {"type": "string"}, (method, path, status)
                    continue
                assert "$ref" in content["schema"], (method, path, status)


def test_bearer_security_is_declared(live: dict[str, Any]) -> None:
    assert live["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    public = {path for path, _, operation in _operations(live) if operation.get("security") == []}
    assert public == {"/health/live", "/health/ready", "/v1/calendar/{feed}"}
