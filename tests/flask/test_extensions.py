"""Flask's common extensions work on ``zephyr.flask`` apps as on Flask (item 9 of the Flask face)."""

from __future__ import annotations

import zephyr.flask
from tests.flask.apps import extensions
from tests.flask.harness import assert_same


def test_sqlalchemy_login_wtf_and_cors_answer_as_on_flask() -> None:
    assert_same(extensions.build, extensions.CALLS)


def test_a_form_with_its_csrf_token_is_accepted() -> None:
    client = extensions.build(zephyr.flask).test_client()
    client.post("/login/2")
    with client.session_transaction() as session:
        assert session["_user_id"] == "2"
    token = client.get("/token").text
    posted = client.post("/notes", data={"text": "hello", "csrf_token": token})
    assert (posted.status_code, posted.headers["Location"]) == (302, "/notes")
    assert client.get("/notes").text == "() [&#39;bob: hello&#39;] {}"
