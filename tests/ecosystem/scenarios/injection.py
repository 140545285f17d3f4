"""dishka, dependency-injector and lagom: services injected into endpoints, kept out of the OpenAPI document.

dishka: ``setup_dishka(container, app)``, ``@inject`` on one endpoint and ``DishkaRoute`` on a router, a REQUEST-scoped
generator provider finalized after each request. dependency-injector: a ``DeclarativeContainer`` wired to this module,
``Depends(Provide[Container.service])`` with ``@inject``, and a provider override. lagom: ``FastApiIntegration``'s
``deps.depends(...)`` with a request singleton.
"""

import json
import sys
from collections.abc import Iterator

from dependency_injector import containers, providers
from dependency_injector.wiring import Provide
from dependency_injector.wiring import inject as wire_inject
from dishka import FromDishka, Provider, Scope, make_async_container, provide
from dishka.integrations.fastapi import DishkaRoute, setup_dishka
from dishka.integrations.fastapi import inject as dishka_inject
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from lagom import Container as LagomContainer
from lagom.integrations.fast_api import FastApiIntegration

closed: list[int] = []
opened: list[int] = []


class Repository:
    def __init__(self, number: int) -> None:
        self.number = number


class RepositoryProvider(Provider):
    @provide(scope=Scope.APP)
    def counter(self) -> list[int]:
        return opened

    @provide(scope=Scope.REQUEST)
    def repository(self, counter: list[int]) -> Iterator[Repository]:
        counter.append(len(counter) + 1)
        yield Repository(len(counter))
        closed.append(len(counter))


router = APIRouter(route_class=DishkaRoute)


@router.get("/routed/{name}")
async def routed(name: str, repository: FromDishka[Repository], q: int = 1) -> dict[str, object]:
    return {"name": name, "repository": repository.number, "q": q}


dishka_app = FastAPI()


@dishka_app.get("/decorated")
@dishka_inject
async def decorated(repository: FromDishka[Repository], q: int = 1) -> dict[str, object]:
    return {"repository": repository.number, "q": q}


dishka_app.include_router(router)
container = make_async_container(RepositoryProvider())
setup_dishka(container, dishka_app)

with TestClient(dishka_app) as client:
    dishka_outcome = {
        "decorated": [client.get("/decorated", params={"q": 3}).status_code, client.get("/decorated").json()],
        "routed": client.get("/routed/ada", params={"q": 4}).json(),
        "invalid": [client.get("/decorated", params={"q": "x"}).status_code, client.get("/routed/a?q=x").status_code],
        "params": {
            path: sorted(p["name"] for p in operation["get"].get("parameters", []))
            for path, operation in client.get("/openapi.json").json()["paths"].items()
        },
    }
dishka_outcome["opened"] = opened
dishka_outcome["closed"] = closed


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def greet(self, name: str) -> str:
        return f"{self.greeting}, {name}"


class Container(containers.DeclarativeContainer):
    config = providers.Configuration()
    greeter = providers.Factory(Greeter, greeting=config.greeting)


wired_app = FastAPI()


@wired_app.get("/greet")
@wire_inject
async def greet(name: str = "world", greeter: Greeter = Depends(Provide[Container.greeter])) -> dict[str, str]:
    return {"message": greeter.greet(name)}


wiring = Container()
wiring.config.greeting.from_value("Hello")
wiring.wire(modules=[sys.modules[__name__]])

with TestClient(wired_app) as client:
    wired_outcome = {"greet": client.get("/greet", params={"name": "Ada"}).json()}
    with wiring.greeter.override(providers.Factory(Greeter, greeting="Mocked")):
        wired_outcome["overridden"] = client.get("/greet").json()
    wired_outcome["params"] = [
        p["name"] for p in client.get("/openapi.json").json()["paths"]["/greet"]["get"].get("parameters", [])
    ]
wiring.unwire()


class Basket:
    made: list[int] = []

    def __init__(self) -> None:
        Basket.made.append(len(Basket.made) + 1)
        self.number = len(Basket.made)


deps = FastApiIntegration(LagomContainer(), request_singletons=[Basket])
lagom_app = FastAPI()


@lagom_app.get("/basket")
def basket(
    first: Basket = deps.depends(Basket), second: Basket = deps.depends(Basket), q: int = 0
) -> dict[str, object]:
    return {"same": first is second, "number": first.number, "q": q}


with TestClient(lagom_app) as client:
    lagom_outcome = {
        "answers": [client.get("/basket", params={"q": 1}).json(), client.get("/basket").json()],
        "made": Basket.made,
        "params": [p["name"] for p in client.get("/openapi.json").json()["paths"]["/basket"]["get"]["parameters"]],
    }
print(json.dumps({"dishka": dishka_outcome, "dependency_injector": wired_outcome, "lagom": lagom_outcome}))
