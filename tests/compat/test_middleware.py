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
