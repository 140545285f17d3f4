# ruff: noqa: E501 - app sources are kept as the tutorial writes them
"""Forms and file uploads answer as on FastAPI, 422 bodies and OpenAPI included."""

from __future__ import annotations

import pytest

from tests.compat.harness import Call, assert_same, post

FORM_APP = """
from typing import Annotated
from fastapi import FastAPI, File, Form, UploadFile
from pydantic import BaseModel

app = FastAPI()

@app.post("/login/")
async def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)]):
    return {"username": username}

@app.post("/optional-form/")
async def optional_form(name: Annotated[str | None, Form()] = None, tags: Annotated[list[str], Form()] = []):
    return {"name": name, "tags": tags}

class FormData(BaseModel):
    username: str
    password: str
    remember: bool = False
    tags: list[str] = []

@app.post("/form-model/")
async def form_model(data: Annotated[FormData, Form()]):
    return data

class StrictForm(BaseModel):
    model_config = {"extra": "forbid"}
    username: str

@app.post("/form-strict/")
async def form_strict(data: Annotated[StrictForm, Form()]):
    return data

@app.post("/files/")
async def create_file(file: Annotated[bytes, File()]):
    return {"file_size": len(file)}

@app.post("/uploadfile/")
async def create_upload_file(file: UploadFile):
    content = await file.read()
    return {"filename": file.filename, "content_type": file.content_type, "size": file.size, "content": content.decode()}

@app.post("/optional-file/")
async def optional_file(file: Annotated[UploadFile | None, File(description="A file")] = None):
    if not file:
        return {"message": "No upload file sent"}
    return {"filename": file.filename}

@app.post("/multi-files/")
async def multi_files(files: Annotated[list[bytes], File()]):
    return {"file_sizes": [len(file) for file in files]}

@app.post("/multi-uploads/")
async def multi_uploads(files: Annotated[list[UploadFile], File(description="Multiple files as UploadFile")]):
    return {"filenames": [file.filename for file in files]}

@app.post("/files-and-form/")
async def files_and_form(
    file: Annotated[bytes, File()],
    fileb: Annotated[UploadFile, File()],
    token: Annotated[str, Form()],
):
    return {"file_size": len(file), "token": token, "fileb_content_type": fileb.content_type}
"""


def test_forms_and_files() -> None:
    assert_same(
        FORM_APP,
        [
            post("/login/", data={"username": "a", "password": "secret"}),
            post("/login/", data={"username": "a", "password": "s"}),
            post("/login/", data={"username": "a"}),
            post("/login/"),
            post("/login/", json={"username": "a", "password": "secret"}),
            post("/login/", data={"username": "", "password": "secret"}),
            post("/optional-form/"),
            post("/optional-form/", data={"name": "n", "tags": ["a", "b"]}),
            post("/form-model/", data={"username": "u", "password": "p", "remember": "on", "tags": ["x", "y"]}),
            post("/form-model/", data={"username": "u"}),
            post("/form-model/"),
            post("/form-model/", data={"username": "u", "password": "p", "extra": "1"}),
            post("/form-strict/", data={"username": "u"}),
            post("/form-strict/", data={"username": "u", "extra": "1"}),
            post("/files/", files={"file": ("a.txt", b"hello")}),
            post("/files/"),
            post("/files/", data={"file": "not a file"}),
            post("/uploadfile/", files={"file": ("a.txt", b"hello", "text/plain")}),
            post("/uploadfile/", files={"file": ("b.bin", b"\\x00\\x01")}),
            post("/uploadfile/"),
            post("/uploadfile/", data={"file": "text"}),
            post("/optional-file/"),
            post("/optional-file/", files={"file": ("c.txt", b"x")}),
            post("/multi-files/", files=[("files", ("a", b"aa")), ("files", ("b", b"bbb"))]),
            post("/multi-files/"),
            post("/multi-uploads/", files=[("files", ("a", b"aa")), ("files", ("b", b"bbb"))]),
            post(
                "/files-and-form/", files={"file": ("a", b"1"), "fileb": ("b", b"2", "image/png")}, data={"token": "t"}
            ),
            post("/files-and-form/", files={"file": ("a", b"1")}),
            post("/files-and-form/", data={"token": "t"}),
            post(
                "/login/",
                content=b"username=a&password=abc",
                headers={"content-type": "application/x-www-form-urlencoded"},
            ),
            post("/login/", content=b"garbage", headers={"content-type": "multipart/form-data"}),
        ],
    )


MORE_APP = """
from typing import Annotated, Literal, Union
from fastapi import FastAPI, File, Form, UploadFile
from pydantic import BaseModel

app = FastAPI()

@app.post("/upload-meta")
async def meta(file: UploadFile, again: Annotated[bytes, File(alias="file")]):
    data = await file.read()
    return {"name": file.filename, "ct": file.content_type, "size": file.size, "h": file.headers.get("content-type"), "data": data.decode(), "again": again.decode()}

@app.post("/nums")
def nums(n: Annotated[list[int], Form()], flag: Annotated[bool, Form()] = False):
    return {"n": n, "flag": flag}

class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9

class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True




@app.post("/opt-files")
def opt_files(files: Annotated[list[UploadFile] | None, File()] = None):
    return {"n": None if files is None else [f.filename for f in files]}

@app.post("/file-as-str")
def file_as_str(f: Annotated[str, Form()]):
    return {"f": f}

@app.post("/int-file")
def int_file(f: Annotated[int, File()]):
    return {"f": f}
"""


def test_upload_metadata_form_lists_and_optional_files() -> None:
    assert_same(
        MORE_APP,
        [
            post("/upload-meta", files={"file": ("a.txt", b"abc", "text/plain")}),
            post("/nums", data={"n": ["1", "2"], "flag": "on"}),
            post("/nums", data={"n": ["x"]}),
            post("/nums"),
            post("/opt-files"),
            post("/opt-files", files=[("files", ("a", b"1")), ("files", ("b", b"2"))]),
            post("/opt-files", files=[("files", ("", b""))]),
            post("/int-file", data={"f": "12"}),
        ],
    )


UNION_FORM_APP = """
from typing import Annotated, Literal, Union
from fastapi import FastAPI, Form
from pydantic import BaseModel, Field

app = FastAPI()

class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9
    toys: list[str] = []

class Dog(BaseModel):
    model_config = {"extra": "forbid"}
    kind: Literal["dog"]
    good: bool = True

@app.post("/pet")
def pet(pet: Annotated[Union[Cat, Dog], Form()]):
    return pet

@app.post("/tagged-pet")
def tagged_pet(pet: Annotated[Union[Cat, Dog], Form(discriminator="kind")]):
    return pet
"""


def test_union_of_form_models() -> None:
    """FastAPI 0.165 validates a form against each model of a union, each picking its own fields."""
    assert_same(
        UNION_FORM_APP,
        [
            post("/pet", data={"kind": "cat", "lives": "3", "toys": ["a", "b"]}),
            post("/pet", data={"kind": "dog"}),
            post("/pet", data={"kind": "dog", "extra": "1"}),
            post("/pet", data={"kind": "cow"}),
            post("/pet", data={"kind": "cat", "lives": "x", "other": "1"}),
            post("/pet", data={"kind": ["cat", "dog"]}),
            post("/pet", data={"kind": "cat", "lives": ""}),
            post("/pet"),
            post("/tagged-pet", data={"kind": "dog"}),
            post("/tagged-pet", data={"kind": "cow"}),
            post("/tagged-pet", data={"lives": "1"}),
        ],
    )


def test_optional_union_of_form_models() -> None:
    """An optional group absent from the form takes its default; OpenAPI documents it as a conditional ``Body_``."""
    source = (
        UNION_FORM_APP
        + """
@app.post("/maybe-pet")
def maybe_pet(pet: Annotated[Union[Cat, Dog, None], Form()] = None):
    return {"pet": pet}
"""
    )
    assert_same(
        source,
        [
            post("/maybe-pet"),
            post("/maybe-pet", data={"unrelated": "1"}),
            post("/maybe-pet", data={"kind": "dog", "good": "no"}),
            post("/maybe-pet", data={"kind": "dog", "extra": "1"}),
        ],
    )


GROUPS_APP = """
from typing import Annotated
from fastapi import FastAPI, Form
from pydantic import BaseModel, Field

app = FastAPI()

class Login(BaseModel):
    username: str
    password: str = Field(alias="pw")

@app.post("/maybe-login")
def maybe_login(login: Annotated[Login | None, Form()] = None):
    return {"login": login}

@app.post("/mixed")
def mixed(login: Annotated[Login, Form()], remember: Annotated[bool, Form()] = False):
    return {"login": login, "remember": remember}
"""


def test_optional_form_models_and_form_models_beside_fields() -> None:
    assert_same(
        GROUPS_APP,
        [
            post("/maybe-login"),
            post("/maybe-login", data={"username": "u", "pw": "p"}),
            post("/maybe-login", data={"x": "1"}),
            post("/maybe-login", data={"username": "u"}),
            post("/mixed", data={"username": "u", "pw": "p", "remember": "yes"}),
            post("/mixed", data={"username": "u", "remember": "maybe"}),
            post("/mixed"),
        ],
    )


FACTORY_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI, Form
from pydantic import AfterValidator, BaseModel, Field

app = FastAPI()
calls = []

def factory():
    calls.append(1)
    return False

def require_checked(value: bool) -> bool:
    if not value:
        raise ValueError("The checkbox must be checked")
    return value

Checked = Annotated[bool, AfterValidator(require_checked)]

@app.post("/parameter")
def read_parameter(value: Annotated[Checked, Form(default_factory=factory, validate_default=True)]):
    return value

class Model(BaseModel):
    value: Annotated[Checked, Field(default_factory=factory, validate_default=True)]

@app.post("/model")
def read_model(params: Annotated[Model, Form()]):
    return params.value

@app.post("/beside")
def beside(name: Annotated[str, Form(min_length=3)], flag: Annotated[bool, Form(default_factory=factory)]):
    return [name, flag]

def flagged(flag: Annotated[bool, Form(default_factory=factory)]):
    return flag

@app.post("/dependency")
def dependency(flag: Annotated[bool, Depends(flagged)], name: Annotated[str, Form(min_length=3)]):
    return [name, flag]

@app.get("/calls")
def count():
    made = len(calls)
    calls.clear()
    return made
"""


def _called(url: str, **kwargs: object) -> list[Call]:
    return [post(url, **kwargs), Call("GET", "/calls", {})]


@pytest.mark.current_reference
def test_a_default_factory_runs_once_per_request_as_on_fastapi() -> None:
    """A form's default factory runs once per request, also when the request fails validation (422)."""
    assert_same(
        FACTORY_APP,
        [
            *_called("/parameter", data={"value": "on"}),
            *_called("/parameter"),  # the factory's False fails the validator: one call, one error
            *_called("/model", data={"value": "on"}),
            *_called("/model"),
            *_called("/beside", data={"name": "abc"}),
            *_called("/beside", data={"name": "a"}),  # another field fails: the endpoint's default is made once
            *_called("/dependency", data={"name": "abc"}),
        ],
        openapi=False,
    )


READ_POSITION_APP = """
from typing import Annotated
from fastapi import Depends, FastAPI, File, UploadFile

app = FastAPI()

async def read_prefix(file: Annotated[UploadFile, File()]):
    return (await file.read(2)).decode()

def inspect_remainder(prefix: Annotated[str, Depends(read_prefix)], file: Annotated[bytes, File()]):
    return {"prefix": prefix, "remainder": file.decode()}

async def yielding_remainder(prefix: Annotated[str, Depends(read_prefix)], file: Annotated[bytes | None, File()] = None):
    yield {"prefix": prefix, "remainder": file.decode() if file is not None else None}

@app.post("/")
async def upload(inspected: Annotated[dict, Depends(inspect_remainder)], file: Annotated[UploadFile, File()]):
    position = file.file.tell()
    return {"dependency": inspected, "position": position, "remainder": (await file.read()).decode()}

@app.post("/yield")
async def upload_yield(inspected: Annotated[dict, Depends(yielding_remainder)]):
    return inspected

@app.post("/before")
async def before(file: Annotated[bytes, File()], prefix: Annotated[str, Depends(read_prefix)]):
    return [file.decode(), prefix]
"""


@pytest.mark.current_reference
def test_bytes_file_parameters_read_from_where_earlier_dependencies_left_the_upload_as_on_fastapi() -> None:
    """A ``bytes`` file parameter of a dependency is read after the dependencies that run before it."""
    upload = {"files": {"file": ("hello.txt", b"hello")}}
    assert_same(
        READ_POSITION_APP,
        [post("/", **upload), post("/yield", **upload), post("/before", **upload), post("/", data={"x": "1"})],
        openapi=False,
    )
