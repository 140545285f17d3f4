"""An app factory: config from a mapping, an object, a file, the environment; ``instance_path``; the CLI."""

from __future__ import annotations

import json
import os
from types import ModuleType
from typing import Any

import click

from tests.flask.harness import Call

__all__ = ("CALLS", "build", "create_app")


class DefaultConfig:
    GREETING = "hello"
    PAGE_SIZE = 10
    lower_is_ignored = True


def create_app(flask: ModuleType, test_config: dict[str, Any] | None = None, instance: str | None = None) -> Any:
    app = flask.Flask(__name__, instance_relative_config=True, instance_path=instance)
    app.config.from_object(DefaultConfig)
    app.config.from_mapping(SECRET_KEY="dev", DATABASE=os.path.join(app.instance_path, "app.sqlite"))
    app.config.from_pyfile("settings.cfg", silent=True)
    app.config.from_file("settings.json", load=json.load, silent=True)
    app.config.from_prefixed_env("SHOPAPP")
    if test_config is not None:
        app.config.update(test_config)

    @app.route("/config")
    def config() -> Any:
        cfg = flask.current_app.config
        keys = ("GREETING", "PAGE_SIZE", "TESTING", "DEBUG", "FROM_FILE", "FROM_JSON", "FROM_ENV", "NESTED")
        return {
            "values": {key: cfg.get(key) for key in keys},
            "lower": "lower_is_ignored" in cfg,
            "secret": flask.current_app.secret_key,
            "testing": flask.current_app.testing,
            "database": os.path.basename(cfg["DATABASE"]),
            "namespace": cfg.get_namespace("PAGE_"),
        }

    @app.route("/resource")
    def resource() -> Any:
        with app.open_resource("templates/hello.txt") as f:
            return f.read().decode().strip()

    @app.cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        """Greet someone."""
        click.echo(f"{app.config['GREETING']}, {name}")

    return app


def build(flask: ModuleType) -> Any:
    return create_app(flask, {"TESTING": True})


CALLS = (
    Call("get", "/config"),
    Call("get", "/resource"),
)
