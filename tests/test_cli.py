from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import zephyr
from zephyr.cli import import_app, main

ROOT = Path(__file__).resolve().parents[1]


def test_openapi_writes_the_document_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "examples.showcase:app", "--output", str(target)]) == 0
    document = json.loads(target.read_text())
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Zephyr showcase"
    assert "/users" in document["paths"]


def test_openapi_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi", "examples.showcase:app", "--indent", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["paths"]["/users"]["post"]["operationId"] == "create_user_users_post"


def test_unknown_command_suggests_the_near_miss(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnu", "examples.showcase:app"]) == 2
    assert "Did you mean 'zephyr run'?" in capsys.readouterr().err


def test_main_runs_cli_main_as_fastapi_cli_does(monkeypatch: pytest.MonkeyPatch) -> None:
    import zephyr.cli

    assert zephyr.cli.cli_main is zephyr.cli.run_command_line
    seen: list[Any] = []

    def command_line(argv: Any) -> int:
        seen.append(argv)
        return 7

    monkeypatch.setattr(zephyr.cli, "cli_main", command_line)
    assert main(["routes", "x"]) == 7
    assert seen == [["routes", "x"]]


def test_main_without_cli_main_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import zephyr.cli

    monkeypatch.setattr(zephyr.cli, "cli_main", None)
    with pytest.raises(RuntimeError, match="To use the fastapi command, please install") as caught:
        main([])
    assert "zephyr.cli.run_command_line" in str(caught.value)


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: zephyr" in capsys.readouterr().out


def test_import_app_suggests_a_near_attribute() -> None:
    with pytest.raises(SystemExit, match=r"has no attribute 'ap'\. Did you mean examples\.showcase:app\?"):
        import_app("examples.showcase:ap")


def test_import_app_reports_a_missing_module() -> None:
    with pytest.raises(SystemExit, match="cannot import module 'no_such_module'"):
        import_app("no_such_module:app")


def test_openapi_refuses_what_is_not_an_app() -> None:
    with pytest.raises(SystemExit, match="is not a Zephyr/FastAPI app"):
        main(["openapi", "examples.showcase:logger"])


def test_console_script_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zephyr.cli", "openapi", "examples.showcase:app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["info"]["version"] == "1.0.0"


def test_version_names_zephyr_and_python(capsys: pytest.CaptureFixture[str]) -> None:
    import platform

    from zephyr import __version__

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"zephyr {__version__} (Python {platform.python_version()})"


def _parsers() -> dict[str, Any]:
    from zephyr.cli import _parser

    parser, names = _parser()
    subparsers: Any = next(a for a in parser._actions if a.dest == "command").choices
    return {"": parser} | {name: subparsers[name] for name in names}


@pytest.mark.parametrize("command", ["", "run", "dev", "routes", "openapi"])
def test_every_option_named_in_help_exists(command: str) -> None:
    parser = _parsers()[command]
    text = parser.format_help()
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
    known = {option for action in parser._actions for option in action.option_strings}
    assert named, text
    assert named <= known, f"{command}: --help names {sorted(named - known)}, which do not exist"


@pytest.mark.parametrize("command", ["run", "dev"])
def test_help_shows_the_defaults(command: str) -> None:
    text = " ".join(_parsers()[command].format_help().split())
    assert "(default: 127.0.0.1)" in text
    assert "(default: 8000)" in text
    assert "(default: info)" in text
    assert "(default: False)" not in text and "(default: None)" not in text


def test_a_missing_extra_is_one_line_naming_the_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["run", "examples.showcase"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("zephyr: The package 'uvicorn' is needed for zephyr run but is not installed.")
    assert "pip install 'zephyr[standard]'" in err
    assert f"pip install -e '{ROOT}[standard]'" in err  # this checkout is an editable install


def test_run_passes_the_resolved_app_and_every_option_to_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setenv("ZEPHYR_HEAD_TIMEOUT", "10")
    arguments = ["run", "examples.showcase", "--port", "9", "--proxy-headers", "--forwarded-allow-ips", "10.0.0.1"]
    arguments += ["--http", "h11", "--timeout-keep-alive", "3", "--head-timeout", "2.5"]
    assert main(arguments) == 0
    assert os.environ["ZEPHYR_HEAD_TIMEOUT"] == "2.5"  # read by zephyr._server in every worker
    assert calls == [
        (
            "examples.showcase:app",
            {
                "reload": False,
                "workers": None,
                "host": "127.0.0.1",
                "port": 9,
                "root_path": "",
                "proxy_headers": True,
                "forwarded_allow_ips": "10.0.0.1",
                "log_level": "info",
                "http": "zephyr._server:GuardedH11Protocol",
                "timeout_keep_alive": 3,
                "h11_max_incomplete_event_size": 64 * 1024,
                "loop": "zephyr._accept:new_event_loop",  # uvloop, accepting in batches (zephyr._accept)
            },
        )
    ]


def test_dev_serves_a_debug_factory_with_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from zephyr._cli.serve import dev_app

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.delenv("ZEPHYR_DEV_APP", raising=False)
    assert main(["dev", "examples.showcase"]) == 0
    app, options = calls[0]
    assert app == "zephyr._cli.serve:dev_app"
    assert options["factory"] is True and options["reload"] is True
    assert (options["host"], options["port"]) == ("127.0.0.1", 8000)
    import os

    assert os.environ["ZEPHYR_DEV_APP"] == "examples.showcase:app"
    served = dev_app()
    assert served.title == "Zephyr showcase" and served.debug is True
    served.debug = False  # the showcase module is shared with other tests


class _FakeGranian:
    calls: list[tuple[str, dict[str, Any]]] = []

    def __init__(self, target: str, **options: Any) -> None:
        self.calls.append((target, options))

    def serve(self) -> None:
        pass


def test_run_on_granian_passes_the_app_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    import granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    _FakeGranian.calls = []
    monkeypatch.setattr(granian, "Granian", _FakeGranian)
    arguments = ["run", "examples.showcase", "--server", "granian", "--workers", "2", "--port", "9"]
    monkeypatch.setenv("ZEPHYR_ROOT_PATH", "")  # restored (unset) after the test
    assert main([*arguments, "--root-path", "/api", "--log-level", "trace"]) == 0
    [(target, options)] = _FakeGranian.calls
    assert target == "examples.showcase:app"
    assert os.environ["ZEPHYR_ROOT_PATH"] == ""  # on ASGI, Granian passes the root path itself (url_path_prefix)
    assert options == {
        "address": "127.0.0.1",
        "port": 9,
        "interface": Interfaces.ASGI,  # the showcase has a WebSocket route: auto keeps ASGI for its close codes
        "workers": 2,
        "reload": False,
        "reload_paths": None,
        "factory": False,
        "url_path_prefix": "/api",
        "log_level": LogLevels.debug,
        "websockets": True,
    }


def test_dev_on_granian_serves_the_debug_factory_with_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import granian
    from granian.constants import Interfaces

    _FakeGranian.calls = []
    monkeypatch.setattr(granian, "Granian", _FakeGranian)
    monkeypatch.delenv("ZEPHYR_DEV_APP", raising=False)
    assert main(["dev", "examples.showcase", "--server", "granian"]) == 0
    [(target, options)] = _FakeGranian.calls
    assert target == "zephyr._cli.serve:dev_app"
    assert (options["factory"], options["reload"], options["workers"]) == (True, True, 1)
    assert options["interface"] == Interfaces.ASGI  # the debug factory returns the showcase, WebSockets and all
    assert [str(path) for path in options["reload_paths"]] == [os.getcwd()]


def test_granian_interface_asgi_is_chosen_with_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    import granian
    from granian.constants import Interfaces

    _FakeGranian.calls = []
    monkeypatch.setattr(granian, "Granian", _FakeGranian)
    assert main(["run", "examples.showcase", "--server", "granian", "--interface", "asgi"]) == 0
    assert main(["dev", "examples.showcase", "--server", "granian", "--interface", "asgi"]) == 0
    assert [options["interface"] for _, options in _FakeGranian.calls] == [Interfaces.ASGI, Interfaces.ASGI]


def test_granian_interface_auto_serves_a_plain_asgi_app_on_asgi(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import granian
    from granian.constants import Interfaces

    (tmp_path / "plain_asgi.py").write_text("async def app(scope, receive, send):\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _FakeGranian.calls = []
    monkeypatch.setattr(granian, "Granian", _FakeGranian)
    assert main(["run", "plain_asgi:app", "--server", "granian"]) == 0
    assert _FakeGranian.calls[0][1]["interface"] == Interfaces.ASGI
    with pytest.raises(SystemExit, match=r"does not implement Granian's RSGI interface .* --interface asgi"):
        main(["run", "plain_asgi:app", "--server", "granian", "--interface", "rsgi"])


def test_interface_rsgi_on_uvicorn_says_to_choose_granian() -> None:
    with pytest.raises(SystemExit, match=r"--interface rsgi is Granian's interface: add --server granian"):
        main(["run", "examples.showcase", "--interface", "rsgi"])


def test_granian_refuses_proxy_headers_and_says_what_to_use(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match=r"--proxy-headers is a uvicorn option; on Granian add the middleware"):
        main(["run", "examples.showcase", "--server", "granian", "--proxy-headers"])


def test_worker_without_a_job_queue_says_how_to_make_one() -> None:
    with pytest.raises(SystemExit, match=r"'examples.showcase:codec' has no job queue"):
        main(["worker", "examples.showcase:codec"])


def test_granian_interface_auto_serves_a_zephyr_app_without_websockets_on_rsgi(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import granian
    from granian.constants import Interfaces

    (tmp_path / "http_only.py").write_text(
        "from zephyr import APIRouter, FastAPI\n"
        "app = FastAPI()\n"
        "router = APIRouter()\n"
        "@router.get('/hello')\n"
        "async def hello():\n"
        "    return {'message': 'hello'}\n"
        "app.include_router(router, prefix='/api')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    _FakeGranian.calls = []
    monkeypatch.setattr(granian, "Granian", _FakeGranian)
    monkeypatch.setenv("ZEPHYR_ROOT_PATH", "")  # restored (unset) after the test
    assert main(["run", "http_only:app", "--server", "granian", "--root-path", "/api"]) == 0
    assert os.environ["ZEPHYR_ROOT_PATH"] == "/api"  # RSGI apps read the root path from here, in every worker
    assert main(["dev", "http_only:app", "--server", "granian"]) == 0
    assert [options["interface"] for _, options in _FakeGranian.calls] == [Interfaces.RSGI, Interfaces.RSGI]


def test_websocket_routes_are_found_through_routers_and_mounts() -> None:
    from zephyr import APIRouter, FastAPI
    from zephyr._cli.granian import declares_websockets
    from zephyr.routing import Mount, WebSocketRoute

    async def socket(websocket: zephyr.WebSocket) -> None:
        await websocket.close()

    inner = APIRouter()
    inner.add_api_websocket_route("/ws", socket)
    included = FastAPI()
    included.include_router(inner, prefix="/v1")
    mounted = FastAPI(routes=[Mount("/sub", routes=[WebSocketRoute("/ws", socket)])])
    assert declares_websockets(included.routes) and declares_websockets(mounted.routes)
    assert not declares_websockets(FastAPI().routes)
