"""mangum: ``Mangum(app)`` as an AWS Lambda handler, given API Gateway HTTP API (v2) events."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from mangum import Mangum

events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    events.append("startup")
    yield
    events.append("shutdown")


app = FastAPI(lifespan=lifespan)


@app.get("/items/{item_id}")
def read_item(item_id: int, request: Request, q: str = "none") -> dict[str, object]:
    return {"item_id": item_id, "q": q, "lambda": "aws.event" in request.scope, "path": request.url.path}


@app.post("/echo", response_class=PlainTextResponse)
async def echo(request: Request) -> str:
    return (await request.body()).decode().upper()


handler = Mangum(app, lifespan="auto")


def event(method: str, path: str, query: str = "", body: str | None = None) -> dict[str, object]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": ["session=abc"],
        "headers": {"host": "api.example.com", "accept": "*/*", "content-type": "text/plain"},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
            "accountId": "1",
            "apiId": "a",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "requestId": "r",
            "routeKey": "$default",
            "stage": "$default",
            "time": "t",
            "timeEpoch": 0,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def answer(response: dict[str, object]) -> list[object]:
    headers = response["headers"]
    assert isinstance(headers, dict)
    return [response["statusCode"], response["body"], headers.get("content-type"), response["isBase64Encoded"]]


CONTEXT: Any = object()  # Lambda's context object: Mangum only passes it on
outcome = {
    "item": answer(handler(event("GET", "/items/5", "q=a"), CONTEXT)),
    "invalid": answer(handler(event("GET", "/items/x"), CONTEXT)),
    "missing": answer(handler(event("GET", "/nope"), CONTEXT)),
    "echo": answer(handler(event("POST", "/echo", body="shout"), CONTEXT)),
    "events": events,
}
print(json.dumps(outcome))
