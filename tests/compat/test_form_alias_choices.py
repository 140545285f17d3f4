"""``AliasChoices`` on single Form/File parameters and form model fields, and browsers' unselected file inputs."""

from __future__ import annotations

from typing import Any

from tests.compat.harness import Call, assert_same, post

FORM_ALIAS_APP = """
from typing import Annotated
from fastapi import FastAPI, File, Form, UploadFile
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

app = FastAPI()

@app.post("/scalar")
def scalar(
    value: Annotated[int, Form(alias="legacy", validation_alias=AliasChoices("first", "second"))] = 10,
    flag: Annotated[bool, Form(validation_alias=AliasChoices("enabled", "checkbox"))] = False,
):
    return {"value": value, "flag": flag}

@app.post("/shared")
def shared(
    values: Annotated[list[int], Form(validation_alias=AliasChoices("values", "shared"))],
    value: Annotated[int, Form(validation_alias=AliasChoices("value", "shared"))],
):
    return {"values": values, "value": value}

@app.post("/file")
def file(
    upload: Annotated[bytes, File(alias="legacy", validation_alias=AliasChoices("primary", "secondary"))],
    uploads: Annotated[list[UploadFile], File(validation_alias=AliasChoices("many", "more"))],
):
    return {"upload": upload.decode(), "uploads": [item.filename for item in uploads]}

@app.post("/optional-files")
def optional_files(
    upload: Annotated[bytes | None, File()] = None,
    uploads: Annotated[list[UploadFile] | None, File()] = None,
):
    return {
        "upload": None if upload is None else len(upload),
        "uploads": None if uploads is None else [item.size for item in uploads],
    }

class Shared(BaseModel):
    model_config = ConfigDict(extra="allow")
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))]
    text: Annotated[str, Field(validation_alias=AliasChoices("text", "legacy"))]

@app.post("/model")
def model(params: Annotated[Shared, Form()]):
    return params
"""

EMPTY_FILES = (
    b"--b\r\n"
    b'Content-Disposition: form-data; name="upload"; filename=""\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
    b"\r\n--b\r\n"
    b'Content-Disposition: form-data; name="uploads"; filename=""\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
    b"\r\n--b\r\n"
    b'Content-Disposition: form-data; name="uploads"; filename="kept.txt"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
    b"hello\r\n--b--\r\n"
)
MULTIPART: dict[str, Any] = {"headers": {"content-type": "multipart/form-data; boundary=b"}}


def test_alias_choices_on_form_parameters() -> None:
    calls: list[Call] = [
        post("/scalar", data={"first": "", "second": "5"}),
        post("/scalar", data={"first": "5", "second": "6"}),
        post("/scalar", data={"first": "invalid", "second": "5"}),
        post("/scalar", data={"first": "", "second": "invalid"}),
        post("/scalar", data={"legacy": "3", "value": "4"}),
        post("/scalar", data={"checkbox": ["off", "on"]}),
        post("/scalar", data={"enabled": "invalid", "checkbox": "on"}),
        post("/scalar"),
        post("/shared", data={"shared": ["1", "2"]}),
        post("/shared", data={"values": ["1", "x"], "shared": "y"}),
        post("/shared", data={}),
        post("/file", files=[("secondary", ("a.txt", b"one")), ("more", ("b.txt", b"two"))]),
        post("/file", files=[("primary", ("a.txt", b"one")), ("many", (None, "text"))]),
        post("/file", files=[("legacy", ("a.txt", b"one"))]),
        post("/file"),
        post("/model", data={"legacy": ["one", "two"], "text": "hello"}),
        post("/model", data={"names": ["a"], "text": "b", "legacy": ["", "unused"]}),
    ]
    assert_same(FORM_ALIAS_APP, calls)


def test_unselected_file_inputs_count_as_not_sent() -> None:
    calls = [
        post("/optional-files", content=EMPTY_FILES, **MULTIPART),
        post("/optional-files", files=[("upload", ("empty.txt", b"")), ("uploads", ("e.txt", b""))]),
        post("/file", content=EMPTY_FILES, **MULTIPART),
    ]
    assert_same(FORM_ALIAS_APP, calls)
