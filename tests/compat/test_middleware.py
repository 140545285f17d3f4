"""HTTP middleware functions, CORS, GZip and TrustedHost behave as on FastAPI."""

from __future__ import annotations

from tests.compat.harness import Call, assert_same, get, post

MIDDLEWARE_APP = """
import time
from fastapi import FastAPI, Request, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse

app = FastAPI()

app.add_middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "*.example.com"])
app.add_middleware(GZipMiddleware, minimum_size=100, compresslevel=5)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost.tiangolo.com", "https://localhost.tiangolo.com", "http://localhost:8080"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
    expose_headers=["X-Process-Time-Set"],
)

@app.middleware("http")
async def add_process_time_header(request: Request, call_next):
    start_time = time.perf_counter()
    if request.url.path == "/short-circuit":
        return JSONResponse({"short": True}, status_code=403)
    response = await call_next(request)
    process_time = time.perf_counter() - start_time
    response.headers["X-Process-Time-Set"] = "yes" if process_time >= 0 else "no"
    return response

@app.middleware("http")
async def tag(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Tag"] = request.method
    return response

@app.get("/")
async def main():
    return {"message": "Hello World"}

@app.get("/big")
async def big():
    return PlainTextResponse("x" * 1000)

@app.get("/error")
async def error():
    raise HTTPException(status_code=409, detail="conflict")

@app.post("/echo")
async def echo(request: Request):
    return {"body": (await request.body()).decode()}
"""

ORIGIN = {"origin": "http://localhost:8080"}


def test_middleware_stack() -> None:
    assert_same(
        MIDDLEWARE_APP,
        [
            get("/"),
            get("/", headers=ORIGIN),
            get("/", headers={"origin": "http://evil.com"}),
            Call(
                "OPTIONS",
                "/",
                {
                    "headers": {
                        **ORIGIN,
                        "access-control-request-method": "POST",
                        "access-control-request-headers": "X-Custom",
                    }
                },
            ),
            Call("OPTIONS", "/", {"headers": {"origin": "http://evil.com", "access-control-request-method": "GET"}}),
            get("/big", headers={"accept-encoding": "gzip"}),
            get("/big", headers={"accept-encoding": "identity"}),
            get("/", headers={"accept-encoding": "gzip"}),
            get("/error", headers=ORIGIN),
            get("/short-circuit"),
            get("/missing"),
            post("/echo", content=b"hello"),
            get("/", headers={"host": "evil.com"}),
            get("/", headers={"host": "api.example.com"}),
        ],
    )


HTTPS_APP = """
from fastapi import FastAPI
from fastapi.middleware.httpsredirect import HTTPSRedirectMiddleware

app = FastAPI()
app.add_middleware(HTTPSRedirectMiddleware)

@app.get("/x")
def x():
    return "x"
"""


def test_https_redirect() -> None:
    assert_same(HTTPS_APP, [get("/x?a=1", follow_redirects=False)], openapi=False)


ORDER_APP = """
from fastapi import FastAPI, Request, HTTPException
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.middleware.base import BaseHTTPMiddleware

order = []

class Recorder(BaseHTTPMiddleware):
    def __init__(self, app, label: str):
        super().__init__(app)
        self.label = label

    async def dispatch(self, request, call_next):
        order.append(self.label + " in")
        response = await call_next(request)
        order.append(self.label + " out")
        response.headers["x-custom"] = response.headers.get("x-custom", "") + self.label
        return response

class PureASGI:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/pure":
            response = PlainTextResponse("from pure middleware", status_code=203)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

app = FastAPI()
app.add_middleware(Recorder, label="A")
app.add_middleware(Recorder, label="B")
app.add_middleware(PureASGI)

@app.middleware("http")
async def raises(request: Request, call_next):
    if request.url.path == "/mw-http-exc":
        raise HTTPException(status_code=418, detail="from middleware")
    if request.url.path == "/mw-error":
        raise RuntimeError("mw")
    return await call_next(request)

@app.get("/order")
def get_order():
    found = list(order)
    order.clear()
    return found

@app.get("/stream")
def stream():
    return StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")

@app.get("/endpoint-error")
def endpoint_error():
    raise RuntimeError("endpoint")

@app.exception_handler(RuntimeError)
async def runtime(request, exc):
    return JSONResponse({"handled": str(exc)}, status_code=500)
"""


def test_middleware_order_errors_and_pure_asgi() -> None:
    assert_same(
        ORDER_APP,
        [
            get("/order"),
            get("/order"),
            get("/pure"),
            get("/stream"),
            get("/mw-http-exc"),
            get("/mw-error"),
            get("/endpoint-error"),
            get("/order"),
        ],
        raise_server_exceptions=False,
    )


CORS_REGEX_APP = r"""
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import StreamingResponse

app = FastAPI()
app.add_middleware(GZipMiddleware, minimum_size=10)
app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"https://.*\.example\.org",
    allow_methods=["GET", "POST"],
    allow_headers=["X-Custom"],
    max_age=100,
)

@app.get("/stream")
def stream():
    return StreamingResponse(iter([b"chunk-" * 10, b"more" * 10]), media_type="text/plain")

@app.get("/")
def root():
    return {"x": "y" * 50}
"""


def test_cors_origin_regex_preflight_refusals_and_gzip_streams() -> None:
    origin = {"origin": "https://a.example.org"}
    calls = [
        get("/", headers=origin),
        get("/", headers={"origin": "https://evil.org"}),
        Call(
            "OPTIONS",
            "/",
            {
                "headers": {
                    **origin,
                    "access-control-request-method": "GET",
                    "access-control-request-headers": "x-custom",
                }
            },
        ),
        Call("OPTIONS", "/", {"headers": {**origin, "access-control-request-method": "DELETE"}}),
        Call(
            "OPTIONS",
            "/",
            {
                "headers": {
                    **origin,
                    "access-control-request-method": "GET",
                    "access-control-request-headers": "x-other",
                }
            },
        ),
        Call("OPTIONS", "/", {"headers": {"origin": "https://evil.org", "access-control-request-method": "GET"}}),
        get("/stream", headers={"accept-encoding": "gzip", **origin}),
        get("/", headers={"accept-encoding": "gzip, br"}),
    ]
    assert_same(CORS_REGEX_APP, calls, openapi=False)
