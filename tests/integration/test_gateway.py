"""The gateway's own pages: index, health, OpenAPI, offline Swagger UI, shutdown."""

from __future__ import annotations

import json
import os
import re
import signal

import pytest
from harness import Service

from ilios import errors


def test_index_lists_the_endpoints(service):
    with service.http() as http:
        body = http.get("/").json()
    for endpoint in (
        "POST /v1/convert",
        "GET /api/documents/{document_id}",
        "GET /api/documents/status/{document_id}",
        "GET /health",
    ):
        assert endpoint in body["endpoints"]


@pytest.fixture(scope="module")
def spec(service) -> dict:
    with service.http() as http:
        document: dict = http.get("/openapi.json").json()
    return document


def operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_openapi_is_a_valid_openapi_3_1_document(spec):
    from openapi_spec_validator import validate

    assert spec["openapi"].startswith("3.1")
    validate(spec)


@pytest.mark.parametrize(
    ("path", "files", "fields"),
    [
        ("/v1/convert", {"file"}, {"format", "retentionDays", "languages", "stream"}),
        ("/api/documents/submit", {"file"}, {"retentionDays", "priority", "languages"}),
        ("/v1/batch/submit", {"files", "files[]"}, {"priority", "retentionDays", "languages"}),
    ],
)
def test_openapi_describes_multipart_bodies_with_binary_files(spec, path, files, fields):
    body = spec["paths"][path]["post"]["requestBody"]
    assert body["required"] is True and list(body["content"]) == ["multipart/form-data"]
    form = body["content"]["multipart/form-data"]
    schema = form["schema"]
    assert set(schema["properties"]) == files | fields and schema["additionalProperties"] is False
    if len(files) == 1:
        assert schema["required"] == sorted(files)
    else:  # one name or the other
        assert schema["required"] == []
        assert schema["anyOf"] == [{"required": ["files"]}, {"required": ["files[]"]}]
    for name in files:
        field = schema["properties"][name]
        binary = field.get("items", field)  # files: an array of them
        assert (binary["type"], binary["format"]) == ("string", "binary")
        assert "application/pdf" in form["encoding"][name]["contentType"]
    ranges = {"retentionDays": (1, 3650), "priority": (1, 10)}
    for name in fields & set(ranges):
        field = schema["properties"][name]
        assert (field["type"], field["minimum"], field["maximum"]) == ("integer", *ranges[name])


def test_openapi_guards_every_operation_but_the_service_pages(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert (schemes["apiKey"]["type"], schemes["apiKey"]["in"]) == ("apiKey", "query")
    assert schemes["apiKey"]["name"] == "apiKey"
    for name, operation in operations(spec):
        if name in ("GET /", "GET /health", "PUT /api/documents/upload/{document_id}"):
            assert "security" not in operation and "401" not in operation["responses"], name
            continue
        assert operation["security"] == [{"bearerAuth": []}, {"apiKey": []}], name
        assert _reasons(operation["responses"]["401"]) == {"API_KEY_MISSING", "API_KEY_INVALID"}


def _reasons(response: dict) -> set[str]:
    """The reasons an error response declares (its ErrorBody branch's enum)."""
    schema = response["content"]["application/json"]["schema"]
    branch = schema["anyOf"][0] if "anyOf" in schema else schema
    assert branch["allOf"][0] == {"$ref": "#/components/schemas/ErrorBody"}
    return set(branch["allOf"][1]["properties"]["reason"]["enum"])


def test_openapi_errors_are_the_shared_shape_with_real_reasons(spec):
    known = {c.reason: c.http_status for c in errors.all_classes()}
    assert "HTTPValidationError" not in json.dumps(spec)  # FastAPI's 422 is never sent
    for name, operation in operations(spec):
        statuses = {s for s in operation["responses"] if s >= "400"}
        assert {"408", "431", "500"} <= statuses, name  # the connection's and a bug
        for status in statuses:
            response = operation["responses"][status]
            if name == "GET /health" and status == "503":
                continue  # the Health shape, unhealthy
            reasons = _reasons(response)
            assert reasons, (name, status)
            for reason in reasons:
                assert known[reason] == int(status), (name, status, reason)
            examples = response["content"]["application/json"]["examples"]
            assert reasons <= set(examples), (name, status)


def test_openapi_parameters_declare_their_values(spec):
    def parameter(path: str, name: str) -> dict:
        (found,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found

    assert parameter("/api/documents/{document_id}", "format")["schema"]["enum"] == [
        "markdown",
        "json",
    ]
    assert parameter("/v1/batch/download/{batch_id}", "format")["schema"]["enum"] == [
        "jsonl",
        "json",
    ]
    assert parameter("/v1/batch/status/{batch_id}", "details")["schema"]["type"] == "boolean"
    for name in ("startDate", "endDate"):
        formats = parameter("/api/usage/summary", name)["schema"]["anyOf"]
        assert [f["format"] for f in formats] == ["date-time", "date"]
    created = spec["components"]["schemas"]["Submitted"]["properties"]["createdAt"]
    assert {"type": "string", "format": "date-time"} in created["anyOf"]


def test_openapi_examples_match_their_schemas(spec):
    """Every example in the document is valid against the schema it illustrates."""
    import jsonschema
    import referencing
    import referencing.jsonschema

    # The document's "#/components/..." references, resolved from any schema in it.
    spec = json.loads(json.dumps(spec).replace('"#/components/', '"urn:openapi#/components/'))
    resource = referencing.Resource.from_contents(
        spec, default_specification=referencing.jsonschema.DRAFT202012
    )
    registry = referencing.Registry().with_resource("urn:openapi", resource)

    def check(schema: dict, example: object, where: str) -> None:
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        problems = [e.message for e in validator.iter_errors(example)]
        assert problems == [], (where, problems)

    count = 0
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            check(schema, example, name)
            count += 1
    for name, operation in operations(spec):
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                if media != "application/json":
                    continue
                for key, example in content.get("examples", {}).items():
                    check(content["schema"], example["value"], f"{name} {status} {key}")
                    count += 1
    assert count > 100


def test_openapi_links_what_an_answer_identifies(spec):
    """From a submission to what can be asked of it (Swagger's Links; schemathesis
    follows them)."""
    ids = {o["operationId"] for _, o in operations(spec)}
    submitted = spec["paths"]["/api/documents/submit"]["post"]["responses"]["200"]["links"]
    assert submitted["getDocumentStatus"]["parameters"] == {"document_id": "$response.body#/id"}
    batch = spec["paths"]["/v1/batch/submit"]["post"]["responses"]["202"]["links"]
    assert batch["downloadBatch"]["parameters"] == {"batch_id": "$response.body#/batchId"}
    for response in (submitted, batch):
        assert {link["operationId"] for link in response.values()} <= ids


def test_openapi_declares_each_content_type(spec):
    def media(path: str, method: str = "get", status: str = "200") -> list[str]:
        return list(spec["paths"][path][method]["responses"][status]["content"])

    assert media("/v1/convert", "post") == [
        "text/markdown",
        "application/json",
        "application/x-ndjson",
    ]
    assert media("/api/documents/{document_id}") == ["text/markdown", "application/json"]
    assert media("/v1/batch/download/{batch_id}") == ["application/x-ndjson", "application/json"]
    original = media("/api/documents/{document_id}/original")
    assert "application/json" not in original
    assert {"application/pdf", "image/png", "application/octet-stream"} <= set(original)


def test_swagger_ui_is_served_from_local_files(service):
    with service.http() as http:
        page = http.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert assets, "the docs page references no assets"
        for asset in assets:
            assert asset.startswith("/"), f"{asset} would need the internet"
            assert http.get(asset).status_code == 200, asset


def test_health_reports_a_dead_grpc_server(tmp_path):
    """The gateway stays up and says 503 when it cannot reach the gRPC server."""
    svc = Service(tmp_path, WORKER_COUNT="0").start()
    try:
        server_pid = json.loads((tmp_path / "run" / "server.json").read_text())["pid"]
        with svc.http() as http:
            assert http.get("/health").status_code == 200
            os.kill(server_pid, signal.SIGSTOP)  # frozen, not dead: no restart
            try:
                r = http.get("/health")
            finally:
                os.kill(server_pid, signal.SIGCONT)
        assert r.status_code == 503
        assert r.json()["status"] == "unhealthy"
        assert r.json()["services"] == {"gateway": "up", "server": "down"}
    finally:
        assert svc.stop() == 0


def test_serve_exits_cleanly_on_sigterm(tmp_path):
    svc = Service(tmp_path, WORKER_COUNT="1").start()
    assert svc.stop(signal.SIGTERM) == 0
    assert not list((tmp_path / "run").glob("*.sock"))


def test_openapi_groups_every_operation_under_a_declared_tag(spec):
    declared = [tag["name"] for tag in spec["tags"]]
    assert declared[0] == "documents"  # /docs shows converting first
    for name, operation in operations(spec):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in declared, name
