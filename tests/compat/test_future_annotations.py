"""The same apps with ``from __future__ import annotations`` (string annotations) answer as on FastAPI too."""

from __future__ import annotations

from tests.compat import test_bodies, test_dependencies, test_params, test_responses
from tests.compat.harness import assert_same, get, post

FUTURE = "from __future__ import annotations\n"


def test_bodies_with_string_annotations() -> None:
    assert_same(
        FUTURE + test_bodies.BODY_APP,
        [
            post("/items/", json=test_bodies.ITEM),
            post("/items/", json={"name": 1}),
            post("/dataclass/", json={"name": "d"}),
        ],
    )


def test_parameters_with_string_annotations() -> None:
    assert_same(
        FUTURE + test_params.QUERY_APP,
        [get("/items/foo?needy=n"), get("/model/?limit=500"), get("/strict/?limit=5&tool=plumbus"), get("/lists/?n=a")],
    )


def test_dependencies_with_string_annotations() -> None:
    headers = test_dependencies.BOTH
    assert_same(
        FUTURE + test_dependencies.DEPS_APP,
        [get("/items/?q=1", headers=headers), get("/class/?skip=1", headers=headers), get("/items/")],
    )


def test_response_models_with_string_annotations() -> None:
    assert_same(
        FUTURE + test_responses.RESPONSE_MODEL_APP,
        [get("/items/foo"), post("/user/", json={"username": "u", "email": "e", "password": "p"}), get("/portal")],
    )
