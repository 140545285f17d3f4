"""strawberry-graphql: a ``GraphQLRouter`` included in the app, answering a query with an argument."""

import json

import strawberry
from fastapi import FastAPI
from fastapi.testclient import TestClient
from strawberry.fastapi import GraphQLRouter


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"Hello {name}"


app = FastAPI()
app.include_router(GraphQLRouter(strawberry.Schema(query=Query)), prefix="/graphql")

with TestClient(app) as client:
    answer = client.post("/graphql", json={"query": 'query { hello(name: "Zephyr") }'})
    bad = client.post("/graphql", json={"query": "query { nope }"})
    by_get = client.get("/graphql", params={"query": "{ hello }"})
print(
    json.dumps(
        {
            "answer": [answer.status_code, answer.json()],
            "bad": [bad.status_code, bad.json()],
            "get": [by_get.status_code, by_get.json()],
        }
    )
)
