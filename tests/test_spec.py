"""ExaServer against Exa's published OpenAPI spec: schemathesis on the webhooks and events
paths, and every default event validated against the spec's schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "exa-websets-spec.yaml"
pytestmark = pytest.mark.skipif(not SPEC.exists(), reason="Exa's spec is not next to this checkout")

# The spec has no schema for the two export events (its `Event` is a oneOf of the other 17).
SPEC_TYPES = [t.value for t in ew.EventType if not t.value.startswith("webset.export.")]


def anyof_types(node: Any) -> Any:
    """The spec with every ``type: [a, b]`` written as ``anyOf: [{type: a}, {type: b}]``: the
    same schema, which schemathesis 4.32.5 can load (it crashes on the list form)."""
    if isinstance(node, list):
        return [anyof_types(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: anyof_types(value) for key, value in node.items()}
    types = out.get("type")
    if isinstance(types, list):
        del out["type"]
        if len(types) == 1:
            out["type"] = types[0]
        else:
            out["anyOf"] = [{"type": t} for t in types]
    return out


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = anyof_types(yaml.safe_load(SPEC.read_text()))
    return loaded


def validator(spec: dict[str, Any], name: str) -> Any:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema_rs.validator_for(schema)


def test_every_default_event_is_valid_per_the_spec(server: ExaServer, spec: dict[str, Any]) -> None:
    event_schema = validator(spec, "Event")
    for event_type in SPEC_TYPES:
        body = server.emit(event_type).to_dict()
        problems = [f"{list(e.instance_path)}: {e.message}" for e in event_schema.iter_errors(body)]
        assert problems == [], event_type
    # The schema really checks the data: a WebsetItem without a required field fails.
    broken = server.emit("webset.item.created").to_dict()
    del broken["data"]["properties"]["content"]
    assert not event_schema.is_valid(broken)
    listing = {"data": [e.to_dict() for e in server.events], "hasMore": False, "nextCursor": None}
    assert validator(spec, "ListEventsResponse").is_valid(listing)


def test_schemathesis_on_the_webhooks_and_events_paths(
    server: ExaServer, spec: dict[str, Any], tmp_path: Path
) -> None:
    for event_type in SPEC_TYPES:  # so listings and gets answer real events
        server.emit(event_type)
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec))
    # The spec documents no error status (400, 401) on these paths, so status-code
    # conformance cannot pass for any server; and a schema-valid but unknown cursor is rightly
    # refused. Every other check runs, in every phase, stateful included.
    checks = [
        "not_a_server_error",
        "response_schema_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
    ]
    command = [
        sys.executable,
        "-c",
        "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
        "run",
        str(spec_file),
        "--url",
        f"{server.url}/websets",
        "--include-path-regex",
        "^/v0/(webhooks|events)",
        "--header",
        f"x-api-key: {server.api_key}",
        "--checks",
        ",".join(checks),
        "--max-examples",
        "25",
        "--workers",
        "1",
    ]
    # In tmp_path: schemathesis leaves a cache directory where it runs.
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Selected: 8/" in result.stdout  # six webhook and two events operations
    assert "No issues found" in result.stdout
    # Schemathesis takes an undocumented 404 from any operation: the events endpoints exist.
    client = server.client()
    first = server.events[0]
    assert first in client.iter_events(limit=200)
    assert client.get_event(first.id) == first
