from __future__ import annotations

import json
from typing import Annotated, Any

import jinja2
import pytest

from tests.middleware._client import assert_exported_surface, make_client
from zephyr import FastAPI, Form, Request
from zephyr.datastructures import Secret
from zephyr.exceptions import FastAPIError
from zephyr.middleware.csrf import (
    CSRFMiddleware,
    csrf_input,
    csrf_token,
    install_jinja2_globals,
    rotate_csrf_token,
)
from zephyr.testclient import TestClient
from zephyr.types import Receive, Scope, Send

SECRET = "csrf-test-secret"


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    payload = {"body": body.decode("latin-1"), "token": scope.get("csrf_token")}
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


def client_with_token(**options: Any) -> tuple[Any, str]:
    client = make_client(CSRFMiddleware(echo_app, secret=SECRET, **options))
    response = client.get("/")
    token = response.cookies["csrftoken"]
    assert response.json()["token"] == token
    return client, token


def test_get_sets_signed_cookie_once() -> None:
    client = make_client(CSRFMiddleware(echo_app, secret=SECRET))
    response = client.get("/")
    cookie = response.headers["set-cookie"]
    token = response.cookies["csrftoken"]
    assert cookie == f"csrftoken={token}; Path=/; SameSite=Lax"
    nonce, _, signature = token.partition(".")
    assert len(nonce) == 43 and len(signature) == 43
    again = client.get("/")
    assert "set-cookie" not in again.headers
    assert again.json()["token"] == token


def test_cookie_flags() -> None:
    app = CSRFMiddleware(
        echo_app,
        secret=SECRET,
        cookie_secure=True,
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_domain="example.com",
        cookie_max_age=3600,
        cookie_path="/app",
        cookie_name="xsrf",
    )
    cookie = make_client(app).get("/").headers["set-cookie"]
    assert cookie.endswith("; Path=/app; SameSite=Strict; Domain=example.com; Max-Age=3600; Secure; HttpOnly")
    assert cookie.startswith("xsrf=")


def test_post_without_cookie_is_refused_and_gets_a_cookie() -> None:
    client = make_client(CSRFMiddleware(echo_app, secret=SECRET))
    response = client.post("/", content=b"x")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF cookie missing or invalid: load a page of this site first."}
    assert "csrftoken" in response.cookies


def test_post_with_header_token() -> None:
    client, token = client_with_token()
    ok = client.post("/", content=b'{"a": 1}', headers={"X-CSRFToken": token, "content-type": "application/json"})
    assert ok.status_code == 200
    assert ok.json()["body"] == '{"a": 1}'


def test_post_without_token_is_refused() -> None:
    client, _ = client_with_token()
    response = client.post("/", json={"a": 1})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF token missing: send it in the x-csrftoken header or the csrf_token form field."
    }


def test_wrong_token_is_refused() -> None:
    client, _ = client_with_token()
    other = CSRFMiddleware(echo_app, secret=SECRET).new_token()
    response = client.delete("/", headers={"X-CSRFToken": other})
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF token incorrect."}


def test_forged_cookie_signature_is_refused() -> None:
    client = make_client(CSRFMiddleware(echo_app, secret=SECRET))
    forged = CSRFMiddleware(echo_app, secret="attacker").new_token()
    client.cookies.set("csrftoken", forged)
    response = client.post("/", headers={"X-CSRFToken": forged})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF cookie missing or invalid")


def test_non_ascii_cookie_and_header_are_refused_not_crashing() -> None:
    client = make_client(CSRFMiddleware(echo_app, secret=SECRET))
    headers = {"cookie": "csrftoken=\xe9t\xe9.sig\xff".encode("latin-1"), "X-CSRFToken": "\xe9".encode("latin-1")}
    response = client.post("/", headers=headers)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF cookie missing or invalid")
    client2, _ = client_with_token()
    bad = client2.post("/", headers={"X-CSRFToken": "t\xe9".encode("latin-1")})
    assert (bad.status_code, bad.json()) == (403, {"detail": "CSRF token incorrect."})


def test_urlencoded_form_field_and_body_is_replayed() -> None:
    client, token = client_with_token()
    response = client.post("/", data={"csrf_token": token, "name": "alice"})
    assert response.status_code == 200
    assert response.json()["body"] == f"csrf_token={token}&name=alice"
    bad = client.post("/", data={"csrf_token": "nope", "name": "alice"})
    assert bad.status_code == 403


def test_urlencoded_field_found_across_chunks() -> None:
    client, token = client_with_token()
    raw = f"name=alice&csrf_token={token}&x=1".encode()
    chunks = [raw[i : i + 7] for i in range(0, len(raw), 7)]
    response = client.post("/", content=iter(chunks), headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert response.json()["body"] == raw.decode()


def test_multipart_form_field_with_file_after_it() -> None:
    client, token = client_with_token()
    response = client.post("/", data={"csrf_token": token}, files={"upload": ("a.txt", b"hello" * 1000)})
    assert response.status_code == 200
    assert "hello" * 1000 in response.json()["body"]
    missing = client.post("/", data={"other": "x"}, files={"upload": ("a.txt", b"hello")})
    assert missing.status_code == 403


def test_token_not_found_within_scan_size_is_refused() -> None:
    client, token = client_with_token(max_scan_size=100)
    raw = f"filler={'x' * 500}&csrf_token={token}".encode()
    chunks = [raw[i : i + 50] for i in range(0, len(raw), 50)]
    response = client.post("/", content=iter(chunks), headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF token missing")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"]
)
def test_json_body_with_form_content_type_is_refused(content_type: str) -> None:
    client, token = client_with_token()
    response = client.post(
        "/", content=b' {"admin": true}', headers={"content-type": content_type, "X-CSRFToken": token}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check failed: a JSON body was sent with a form content type."}


def test_text_plain_non_json_with_header_token_passes() -> None:
    client, token = client_with_token()
    response = client.post("/", content=b"{not json", headers={"content-type": "text/plain", "X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json()["body"] == "{not json"


def test_bearer_without_cookies_is_not_checked() -> None:
    client = make_client(CSRFMiddleware(echo_app, secret=SECRET))
    response = client.post("/", json={"a": 1}, headers={"Authorization": "Bearer abc"})
    assert response.status_code == 200
    # With cookies, the same request is checked.
    client.cookies.set("session", "x")
    assert client.post("/", json={"a": 1}, headers={"Authorization": "Bearer abc"}).status_code == 403


def test_safe_methods_and_exemptions() -> None:
    app = CSRFMiddleware(
        echo_app, secret=SECRET, exempt_paths=["/hooks/", "/exact"], exempt=lambda scope: scope["path"] == "/cb"
    )
    client = make_client(app)
    client.cookies.set("session", "x")
    for method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        assert client.request(method, "/").status_code == 200
    assert client.post("/hooks/github").status_code == 200
    assert client.post("/exact").status_code == 200
    assert client.post("/exact/more").status_code == 403
    assert client.post("/cb").status_code == 200
    assert client.post("/other").status_code == 403


def test_websocket_and_lifespan_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    import anyio

    async def main() -> None:
        await CSRFMiddleware(app, secret=SECRET)({"type": "lifespan"}, echo_app, echo_app)  # type: ignore[arg-type]

    anyio.run(main)
    assert seen == ["lifespan"]


class FakeRequest:
    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope


def test_csrf_token_helpers_and_jinja2_globals() -> None:
    request = FakeRequest({"csrf_token": "abc.def"})
    assert csrf_token(request) == "abc.def"
    assert str(csrf_input(request)) == '<input type="hidden" name="csrf_token" value="abc.def">'
    with pytest.raises(FastAPIError, match="needs CSRFMiddleware"):
        csrf_token(FakeRequest({}))
    env = jinja2.Environment(autoescape=True)
    install_jinja2_globals(env)
    template = env.from_string("<form>{{ csrf_input() }}</form>{{ csrf_token() }}")
    assert template.render(request=request) == (
        '<form><input type="hidden" name="csrf_token" value="abc.def"></form>abc.def'
    )

    class Templates:
        def __init__(self) -> None:
            self.env = jinja2.Environment(autoescape=True)

    templates = Templates()
    install_jinja2_globals(templates, field_name="tok")
    assert 'name="tok"' in templates.env.from_string("{{ csrf_input() }}").render(request=request)


def test_configuration_errors() -> None:
    with pytest.raises(FastAPIError, match="secret=''"):
        CSRFMiddleware(echo_app, secret="")
    with pytest.raises(FastAPIError, match="cookie_samesite='sometimes'"):
        CSRFMiddleware(echo_app, secret=SECRET, cookie_samesite="sometimes")  # type: ignore[arg-type]
    middleware = CSRFMiddleware(echo_app, secret=b"bytes-secret")
    assert middleware.is_valid(middleware.new_token())
    from_secret = CSRFMiddleware(echo_app, secret=Secret("bytes-secret"))
    assert from_secret.is_valid(middleware.new_token())
    with pytest.raises(FastAPIError, match="secret=''"):
        CSRFMiddleware(echo_app, secret=Secret(""))
    assert not middleware.is_valid("")
    assert not middleware.is_valid(".sig")


# --- Through a Zephyr app ----------------------------------------------------------------------------------------


def csrf_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CSRFMiddleware, secret=SECRET)

    @app.get("/form")
    async def form_page(request: Request) -> dict[str, str]:
        return {"token": csrf_token(request)}

    @app.post("/comment")
    async def comment(text: Annotated[str, Form()], csrf_token: Annotated[str, Form()]) -> dict[str, str]:
        return {"text": text}

    @app.post("/login")
    async def login(request: Request) -> dict[str, str]:
        return {"token": rotate_csrf_token(request)}

    @app.post("/api")
    async def api(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    return app


def test_app_form_post_with_token_reads_body_normally() -> None:
    client = TestClient(csrf_app())
    token = client.get("/form").json()["token"]
    assert client.cookies["csrftoken"] == token
    response = client.post("/comment", data={"csrf_token": token, "text": "hello"})
    assert (response.status_code, response.json()) == (200, {"text": "hello"})
    multipart = client.post("/comment", data={"csrf_token": token, "text": "hi"}, files={"f": ("a.txt", b"x")})
    assert (multipart.status_code, multipart.json()) == (200, {"text": "hi"})
    refused = client.post("/comment", data={"csrf_token": "wrong", "text": "hello"})
    assert (refused.status_code, refused.json()) == (403, {"detail": "CSRF token incorrect."})


def test_app_json_api_with_header_or_bearer() -> None:
    client = TestClient(csrf_app())
    token = client.get("/form").json()["token"]
    assert client.post("/api", json={"a": 1}, headers={"X-CSRFToken": token}).json() == {"a": 1}
    assert client.post("/api", json={"a": 1}).status_code == 403
    api_client = TestClient(csrf_app())
    assert api_client.post("/api", json={"a": 1}, headers={"Authorization": "Bearer t"}).json() == {"a": 1}


def test_app_rotate_token_at_login() -> None:
    client = TestClient(csrf_app())
    old = client.get("/form").json()["token"]
    response = client.post("/login", headers={"X-CSRFToken": old})
    new = response.json()["token"]
    assert new != old
    assert response.headers["set-cookie"] == f"csrftoken={new}; Path=/; SameSite=Lax"
    assert client.post("/api", json={}, headers={"X-CSRFToken": old}).status_code == 403
    assert client.post("/api", json={}, headers={"X-CSRFToken": new}).status_code == 200
    with pytest.raises(FastAPIError, match="needs CSRFMiddleware"):
        rotate_csrf_token(FakeRequest({}))


def test_exported_surface() -> None:
    import zephyr.middleware.csrf as module

    assert_exported_surface(module)
