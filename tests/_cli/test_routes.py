from __future__ import annotations

import json

import pytest

from zephyr import APIRouter, FastAPI, WebSocket
from zephyr._cli.routes import RouteRow, route_rows
from zephyr.cli import main
from zephyr.routing import Mount, Route
from zephyr.staticfiles import StaticFiles


async def list_items() -> list[str]:
    return []


async def ping(request: object) -> None:
    return None


def build() -> FastAPI:
    app = FastAPI(openapi_url=None)
    router = APIRouter(prefix="/shop")
    router.add_api_route("/items", list_items, methods=["GET", "POST"], name="items")
    app.include_router(router)

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()

    app.router.routes.append(Route("/ping", ping))
    app.mount("/sub", FastAPI(openapi_url=None), name="sub")
    app.router.routes.append(Mount("/files", StaticFiles(directory=".", check_dir=False)))
    return app


def test_rows_follow_the_routes_in_order() -> None:
    rows = list(route_rows(build().routes))
    assert rows == [
        RouteRow("GET, POST", "/shop/items", "items", f"{__name__}.list_items"),
        RouteRow("WS", "/ws", "echo", f"{__name__}.build.<locals>.echo"),
        RouteRow("GET", "/ping", "ping", f"{__name__}.ping"),
        RouteRow("MOUNT", "/sub", "sub", "zephyr.applications.Zephyr"),
        RouteRow("MOUNT", "/files", "", "zephyr.staticfiles.StaticFiles"),
    ]


def test_the_command_prints_an_aligned_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples.showcase"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Methods", "Path", "Name", "Endpoint"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    create = next(line for line in lines if "/users " in line)
    assert create.split() == ["POST", "/users", "create_user", "examples.showcase.create_user"]
    # every column starts where its header starts
    path_column = lines[0].index("Path")
    assert all(line[path_column - 2 : path_column] == "  " for line in lines[2:])


def test_the_command_prints_json_sorted_by_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "examples.showcase:app", "--json", "--sort", "path"]) == 0
    rows = json.loads(capsys.readouterr().out)
    paths = [row["path"] for row in rows]
    assert paths == sorted(paths)
    assert {"methods": "WS", "path": "/ws", "name": "echo", "endpoint": "examples.showcase.echo"} in rows


def test_routes_refuses_what_has_no_routes() -> None:
    with pytest.raises(SystemExit, match="is not an app with routes"):
        main(["routes", "examples.showcase:logger"])
