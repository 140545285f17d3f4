"""Each library's documented main use, on FastAPI and on Zephyr through ``install_as_fastapi()``: same outcomes."""

from __future__ import annotations

import sys
from typing import Any

import pytest

Outcomes = dict[str, tuple[Any, Any]]


def _same(outcomes: Outcomes, scenario: str) -> Any:
    if scenario not in outcomes:
        pytest.skip(f"{scenario} is not run on Python {sys.version_info[0]}.{sys.version_info[1]} (harness.NEEDS_311)")
    reference, zephyr = outcomes[scenario]
    assert zephyr == reference
    return zephyr


def test_fastapi_pagination_pages_a_list(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "pagination")
    status, first = outcome["first"]
    assert status == 200
    assert first == {
        "items": [{"id": i, "name": f"item {i}"} for i in range(1, 6)],
        "total": 23,
        "page": 1,
        "size": 5,
        "pages": 5,
    }
    assert [item["id"] for item in outcome["last"]["items"]] == [21, 22, 23]
    assert outcome["invalid"] == 422
    assert outcome["params"] == ["page", "size"]


def test_fastapi_cache2_caches_and_answers_etags(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "cache")
    assert outcome["miss"] == [200, '{"n":4,"square":16}', "MISS", "max-age=60"]
    assert outcome["hit"] == [200, '{"n":4,"square":16}', "HIT", "max-age=60"]
    assert outcome["not_modified"] == 304
    assert outcome["calls"] == [4, 5]
    assert outcome["etag_same"] is True


def test_sse_starlette_event_source_response_streams(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "sse")
    assert outcome["status"] == 200
    assert outcome["type"] == "text/event-stream; charset=utf-8"
    assert outcome["body"] == "".join(f'id: {i}\nevent: tick\ndata: {{"i": {i}}}\n\n' for i in range(3))


def test_strawberry_graphql_router_answers_queries(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "graphql")
    assert outcome["answer"] == [200, {"data": {"hello": "Hello Zephyr"}}]
    assert outcome["get"] == [200, {"data": {"hello": "Hello world"}}]
    status, bad = outcome["bad"]
    assert status == 200
    assert bad["errors"][0]["message"] == "Cannot query field 'nope' on type 'Query'."


def test_sqladmin_list_page_and_links_across_the_mount(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "admin")
    assert (outcome["index"], outcome["list"], outcome["static"]) == (200, 200, 200)
    assert outcome["ada"] is True
    assert outcome["grace"] is True
    assert "http://testserver/admin/user/details/2" in outcome["links"]
    assert "http://testserver/admin/statics/css/main.css" in outcome["links"]


def test_fastapi_users_register_login_and_me(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "users")
    assert outcome["register"] == [201, "ada@example.com", True, True]
    assert outcome["again"] == [400, {"detail": "REGISTER_USER_ALREADY_EXISTS"}]
    assert outcome["login"] == [200, "bearer"]
    assert outcome["wrong"] == [400, {"detail": "LOGIN_BAD_CREDENTIALS"}]
    assert outcome["me"] == [200, "ada@example.com"]
    assert outcome["anonymous"] == [401, {"detail": "Unauthorized"}]


def test_slowapi_limits_routes_and_answers_429(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "ratelimit")
    home = outcome["home"]
    assert [r[0] for r in home] == [200, 200, 429]
    assert home[0][2] == {"x-ratelimit-limit": "2", "x-ratelimit-remaining": "1"}
    assert home[2][1] == '{"error":"Rate limit exceeded: 2 per 1 minute"}'
    assert home[2][3] is True  # Retry-After
    assert [r[0] for r in outcome["text"]] == [200, 429]
    assert outcome["text"][0][1] == "plain"
    # SlowAPIMiddleware applies the default limit to undecorated routes.
    assert [r[0] for r in outcome["open"]] == [200, 200, 200, 429]


def test_asgi_correlation_id_and_starlette_context_follow_the_request(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "correlation")
    given = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    status, correlation, request_id, body = outcome["echoed"]
    assert (status, correlation, request_id) == (200, given, "0f0e0d0c0b0a09080706050403020100")
    assert body["correlation_id"] == given
    assert body["context"] == {"X-Request-ID": request_id, "User-Agent": "t", "X-Forwarded-For": "10.0.0.1"}
    assert outcome["fresh"] == [200, 32, True, 32]
    assert outcome["invalid_replaced"] == 32
    assert outcome["records"] == [f"[{given}] reading order 3", "[<generated>] reading order 4"]
    assert outcome["failed"] == [500, "Internal Server Error"]


def test_starlette_exporter_counts_requests_by_route_template(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "exporter")
    assert outcome["answers"] == [200, 200, 404, 200, 404]
    assert outcome["status"] == 200
    labels = 'app_name="h11e_shop",method="GET",path="/shop/items/{item_id}"'
    assert outcome["lines"] == [
        f'h11e_requests_total{{{labels},status_code="200"}} 2.0',
        f'h11e_requests_total{{{labels},status_code="404"}} 1.0',
        'h11e_requests_total{app_name="h11e_shop",method="POST",path="/shop/items",status_code="200"} 1.0',
    ]
    assert outcome["histogram"] is True


def test_fastapi_utils_cbv_and_repeat_every_and_restful_resources(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "restful")
    assert outcome["listed"] == [200, {"user": "ada", "notes": {"1": "first"}}]
    assert outcome["added"] == [201, {"user": "ada", "id": 2}]
    assert outcome["one"] == [200, {"user": "grace", "text": "second"}]
    assert outcome["anonymous"] == [422, ["header", "x-user"]]
    assert outcome["pet"] == [200, {"message": "hello, rex"}]
    assert outcome["params"]["/notes/{note_id}"] == ["note_id", "x-user"]
    assert outcome["ticks"] == [0, 1, 2]


def test_fastapi_versioning_mounts_one_app_per_version_and_scalar_serves_its_page(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "versioning")
    assert outcome["v1"] == [200, {"message": "hello ada"}]
    assert outcome["v2"] == [200, {"message": "HI ADA"}]
    assert outcome["latest"] == [200, {"message": "hi ada"}]
    assert outcome["health"] == [200, 200, 200]
    assert outcome["missing"] == 404
    assert outcome["schema_v1"] == ["1", ["name"], ["/greet", "/health"]]
    assert outcome["schema_v2"] == ["2", ["name", "shout"], ["/greet", "/health"]]
    assert outcome["scalar"] == [200, "text/html; charset=utf-8", True, True]


def test_fastapi_mcp_lists_tools_from_the_openapi_document_and_calls_them(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "mcp")
    assert outcome["init"] == [200, "Inventory MCP", True]
    assert outcome["tools"] == [["get_item", "Get Item", ["item_id"]], ["list_items", "List Items", ["max_price"]]]
    assert outcome["found"] == [200, False, [{"id": 1, "name": "hammer", "price": 12.5}]]
    assert outcome["cheap"] == [200, False, [[{"id": 2, "name": "nails", "price": 3.0}]]]
    status, is_error, (message,) = outcome["missing"]
    assert (status, is_error) == (200, True)
    assert "Status code: 404" in message and "Item not found" in message


def test_fastapi_limiter_answers_429_in_memory_and_on_redis(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "limiter")
    hello = [200, {"msg": "Hello World"}]
    too_many = [429, {"detail": "Too Many Requests"}]
    assert outcome["index"] == [hello, hello, too_many]
    assert outcome["shared"] == [[200, {"shared": True}], too_many]
    assert outcome["stored"] is True


def test_fastapi_filter_and_sqlmodel_query_sqlite(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "filters")
    assert outcome["everyone"] == [200, ["Ada", "Alan", "Grace", "Linus"]]
    assert outcome["young"] == [200, ["Ada", "Linus"]]
    assert outcome["like"] == [200, ["Ada", "Alan", "Grace"]]
    assert outcome["in_paris"] == [200, ["Ada", "Grace"]]
    assert outcome["cities"] == [200, ["Linus", "Grace", "Alan", "Ada"]]
    assert outcome["bad_order"] == [422, "Value error, height is not a valid ordering field."]
    assert "address__city" in outcome["params"] and "order_by" in outcome["params"]
    assert outcome["created"] == [200, {"id": 1, "name": "Deadpond", "secret_name": "Dive Wilson", "age": None}]
    assert outcome["hero"] == [200, {"id": 2, "name": "Rusty-Man", "secret_name": "Tommy Sharp", "age": 48}]
    assert outcome["no_hero"] == [404, {"detail": "Hero not found"}]
    assert outcome["too_many"] == 422


def test_logfire_instrument_fastapi_records_arguments_and_errors(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "logfire_app")
    assert outcome["answers"] == [200, 6, 422]
    route = {"http.route": "/items/{item_id}", "http.method": "GET"}
    assert outcome["spans"] == [
        ["reading {item_id}", {}, None, None, 3],
        ["GET /items/{item_id}", {**route, "http.status_code": 200}, {"item_id": 3, "q": "x"}, [], None],
        [
            "POST /sum",
            {"http.route": "/sum", "http.method": "POST", "http.status_code": 200},
            {"numbers": [1, 2, 3]},
            [],
            None,
        ],
        ["GET /items/{item_id}", {**route, "http.status_code": 422}, None, ["int_parsing"], None],
    ]


def test_authx_tokens_and_fastapi_csrf_protect_cookies(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "auth")
    assert outcome["refused_login"] == [401, {"detail": {"message": "Invalid credentials"}}]
    assert outcome["allowed"] == [200, {"message": "Hello World"}]
    assert outcome["anonymous"] == [401, {"message": "Token Error", "error_type": "MissingTokenError"}]
    assert outcome["forged"] == [422, {"message": "Invalid Token", "error_type": "JWTDecodeError"}]
    assert outcome["me"] == [200, {"sub": "ada", "type": "access", "fresh": True}]
    assert outcome["issued"] == [200, True, True]
    assert outcome["created"] == [201, {"created": True}, True]
    assert outcome["missing_cookie"] == [400, {"detail": "Missing Cookie: `fastapi-csrf-token`."}]
    assert outcome["missing_header"] == [422, {"detail": 'Bad headers. Expected "X-CSRF-Token" in headers'}]


def test_ddtrace_traces_requests_and_background_tasks(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "ddtrace_app")
    assert outcome["answers"] == [200, 500, 404] and outcome["done"] == [5]
    # The switched module's __name__ is "fastapi", so ddtrace names the background task span as on FastAPI.
    assert outcome["traces"] == [
        [["fastapi.background_task", "append", None, None, 0]],
        [["fastapi.request", "GET /boom", "/boom", "500", 1]],
        [["fastapi.request", "GET /items/{item_id}", "/items/{item_id}", "200", 0]],
        [["fastapi.request", "GET /nope", None, "404", 0]],
    ]


def test_fastapi_jsonrpc_calls_batches_notifications_and_documents(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "jsonrpc")
    assert outcome["ok"] == {"jsonrpc": "2.0", "id": 1, "result": "hi"}
    assert outcome["error_data"]["error"] == {"code": 5000, "message": "My error", "data": {"details": "it failed"}}
    assert outcome["invalid"]["error"]["code"] == -32602
    assert outcome["invalid"]["error"]["data"]["errors"][0]["loc"] == ["a"]
    assert outcome["query_in_body"]["result"] == 42
    assert outcome["whoami"]["result"] == {"user": {"id": 7}, "token": "tok"}
    assert outcome["not_found"]["error"]["code"] == -32601
    assert outcome["notification"] == [200, ""]
    assert [r.get("result") for r in outcome["batch"]] == ["a", 4, None]
    assert outcome["shared_once_per_batch"] == 1
    assert outcome["calls"]["notified"] == ["n1", "n2"]
    assert "/rpc/add" in outcome["openapi"]["paths"]
    assert [m["name"] for m in outcome["openrpc"]["methods"]] == ["echo", "add", "whoami", "create", "notify"]


def test_python_socketio_wraps_and_mounts_and_talks_over_long_polling(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "socketio_app")
    assert outcome["route"] == [200, {"hello": "world"}]
    assert outcome["missing"] == 404
    handshake = [200, "0", ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"], "40"]
    replies = ['42["heard","HI"]', '431["ih"]']  # the server's emit, then the event's ack
    assert outcome["wrapped"] == [*handshake, replies]
    assert outcome["mounted"] == [*handshake, replies]
    assert outcome["seen"] == [
        ["connect", "/socket.io/", {"token": "t"}],
        ["connect", "/ws/socket.io/", {"token": "t"}],
    ]


def test_ariadne_graphql_app_mounted_and_called_from_a_route(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "ariadne_app")
    assert outcome["mounted"] == [200, {"data": {"hello": "Hello Ada at /graphql/"}}]
    assert outcome["routed"] == [200, {"data": {"hello": "Hello world at /api/graphql"}}]
    assert outcome["added"] == [200, {"data": {"add": 5}}]
    assert outcome["bad"] == [400, "Cannot query field 'nope' on type 'Query'."]
    assert outcome["broken"] == [400, "Request body is not a valid JSON"]


def test_mangum_answers_api_gateway_events(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "mangum_app")
    status, body, content_type, base64 = outcome["item"]
    assert (status, content_type, base64) == (200, "application/json", False)
    assert body == '{"item_id":5,"q":"a","lambda":true,"path":"/items/5"}'
    assert outcome["invalid"][0] == 422 and '"loc":["path","item_id"]' in outcome["invalid"][1]
    assert outcome["missing"] == [404, '{"detail":"Not Found"}', "application/json", False]
    assert outcome["echo"] == [200, "SHOUT", "text/plain; charset=utf-8", False]
    assert outcome["events"] == ["startup", "shutdown"] * 4  # lifespan="auto": one cycle per invocation


def test_starlette_admin_lists_creates_with_csrf_and_serves_statics(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "starlette_admin_app")
    assert outcome["index"] == [200, True, True]
    assert outcome["list"] == [200, True, True, False]
    assert outcome["form"] == [200, True]
    assert outcome["refused"] == [403, "CSRF token missing"]
    assert outcome["created"] == [303, "http://testserver/admin/post/list"]
    assert outcome["relisted"] == [200, True]
    assert outcome["detail"] == [200, True]
    assert outcome["titles"] == ["hello", "world", "third"]
    assert outcome["static"] == [200, "text/css; charset=utf-8"]
    assert outcome["url"] == "/admin/"


def test_dishka_dependency_injector_and_lagom_inject_services(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "injection")
    dishka = outcome["dishka"]
    assert dishka["decorated"] == [200, {"repository": 2, "q": 1}]
    assert dishka["routed"] == {"name": "ada", "repository": 3, "q": 4}
    assert dishka["invalid"] == [422, 422]
    assert dishka["params"] == {"/decorated": ["q"], "/routed/{name}": ["name", "q"]}
    assert dishka["opened"] == dishka["closed"] == [1, 2, 3]  # one REQUEST scope per valid request, each finalized
    assert outcome["lagom"] == {
        "answers": [{"same": True, "number": 1, "q": 1}, {"same": True, "number": 2, "q": 0}],
        "made": [1, 2],  # one Basket per request, shared by the request's two parameters
        "params": ["q"],
    }
    assert outcome["dependency_injector"] == {
        "greet": {"message": "Hello, Ada"},
        "overridden": {"message": "Mocked, world"},
        "params": ["name"],
    }


def test_fastapi_login_tokens_by_header_and_cookie(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "login")
    refused = [401, {"detail": "Invalid credentials"}]
    assert outcome["wrong"] == [*refused, "Bearer"]
    assert outcome["token"] == "bearer"
    assert outcome["header"] == [200, {"email": "ada@example.com"}]
    assert outcome["anonymous"] == outcome["forged"] == outcome["unknown"] == refused
    assert outcome["cookie"] == [200, ["access-token"], 200, {"email": "ada@example.com"}]
    flows = {"password": {"scopes": {}, "tokenUrl": "/auth/token"}}
    assert outcome["security"] == [[{"LoginManager": []}], {"LoginManager": {"type": "oauth2", "flows": flows}}]


def test_asgi_lifespan_manager_runs_the_lifespan_and_its_state(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "lifespan_manager")
    assert outcome["used"] == [["startup"], 200, {"pool": ["connection"]}]
    assert outcome["events"] == ["startup", "shutdown"]
    assert outcome["failing"] == "RuntimeError: no database"


def test_fastapi_sso_redirects_with_a_state_cookie_and_verifies_the_callback(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "sso_app")
    query = ["client_id", "redirect_uri", "response_type", "scope", "state"]
    assert outcome["redirect"] == [303, "github.com/login/oauth/authorize", query, "fixed-state"]
    assert outcome["params"] == [["client-id"], ["http://testserver/auth/callback"], ["fixed-state"]]
    user = {"id": "42", "email": "ada@example.com", "name": "ada", "provider": "github"}
    assert outcome["done"] == [200, user]
    assert outcome["seen"] == ["POST github.com/login/oauth/access_token", "GET api.github.com/user"]
    # SSOLoginError subclasses Starlette's HTTPException: answered with its status and detail, not a 500.
    assert outcome["error_class"] == ["starlette.exceptions", "HTTPException"]
    assert outcome["forged"] == [401, {"detail": "Invalid state"}]
    assert outcome["no_cookie"] == [401, {"detail": "State cookie not found"}]
    assert outcome["no_code"] == [400, {"detail": "'code' parameter was not found in callback request"}]


def test_prometheus_client_app_mounted_and_starlette_prometheus_middleware(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "metrics_mount")
    assert outcome["answers"] == [200, 200, 422, 404]
    text = "text/plain; version=0.0.4; charset=utf-8"
    assert outcome["mounted"] == [200, text, ['h11e_orders_total{kind="tea"} 3.0']]
    assert outcome["redirect"] == [307, "http://testserver/metrics/"]
    orders = 'method="POST",path_template="/orders/{kind}"'
    assert f"starlette_requests_total{{{orders}}} 3.0" in outcome["requests"]
    assert f'starlette_responses_total{{{orders},status_code="422"}} 1.0' in outcome["requests"]
    assert 'starlette_requests_total{method="GET",path_template="/nope"} 1.0' in outcome["requests"]
    assert outcome["same_registry"] is True


def test_fastapi_babel_picks_the_locale_and_translates(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "babel_app")
    assert outcome == {
        "fr": {"locale": "fr", "text": "Bonjour Ada"},
        "de_first": {"locale": "de", "text": "Hallo Ada"},
        "unknown": {"locale": "en", "text": "Hello Ada"},
        "none": {"locale": "en", "text": "Hello Ada"},
    }


def test_rollbar_route_class_reports_endpoint_errors_with_their_request(outcomes: Outcomes) -> None:
    outcome = _same(outcomes, "rollbar_app")
    # add_to(app) takes over only while app.routes holds FastAPI's docs routes alone (Zephyr's own are low-priority).
    assert outcome["route_class"] == "RollbarLoggingRoute"
    assert outcome["routes"][:4] == ["/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"]
    assert outcome["answers"] == [500, 500, 200, 422]
    reports = outcome["reports"]
    assert reports[0] == ["ValueError", "boom 3", "http://testserver/boom/3?q=x", "GET", {"q": "x"}]
    assert reports[1] == ["KeyError", "'stock'", "http://testserver/orders", "POST", None]
    assert reports[2][0] == "RequestValidationError" and reports[2][2] == "http://testserver/boom/nope"
