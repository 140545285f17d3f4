"""ariadne: its ``GraphQL`` ASGI app mounted on the app and called from a route with ``handle_request(request)``."""

import json

from ariadne import MutationType, QueryType, make_executable_schema
from ariadne.asgi import GraphQL
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

type_defs = """
type Query { hello(name: String): String! }
type Mutation { add(a: Int!, b: Int!): Int! }
"""
query = QueryType()
mutation = MutationType()


@query.field("hello")
def resolve_hello(_: object, info: object, name: str = "world") -> str:
    request = info.context["request"]  # type: ignore[attr-defined]
    return f"Hello {name} at {request.url.path}"


@mutation.field("add")
def resolve_add(_: object, info: object, a: int, b: int) -> int:
    return a + b


graphql_app = GraphQL(make_executable_schema(type_defs, query, mutation))
app = FastAPI()
app.mount("/graphql/", graphql_app)


@app.post("/api/graphql")
async def graphql_route(request: Request) -> object:
    return await graphql_app.handle_request(request)


with TestClient(app) as client:
    mounted = client.post("/graphql/", json={"query": '{ hello(name: "Ada") }'})
    routed = client.post("/api/graphql", json={"query": "{ hello }"})
    added = client.post("/api/graphql", json={"query": "mutation { add(a: 2, b: 3) }"})
    bad = client.post("/graphql/", json={"query": "{ nope }"})
    broken = client.post("/api/graphql", content="not json", headers={"content-type": "application/json"})
print(
    json.dumps(
        {
            "mounted": [mounted.status_code, mounted.json()],
            "routed": [routed.status_code, routed.json()],
            "added": [added.status_code, added.json()],
            "bad": [bad.status_code, bad.json()["errors"][0]["message"]],
            "broken": [broken.status_code, broken.text],
        }
    )
)
