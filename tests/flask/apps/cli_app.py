"""The factory app built on both faces, for ``zephyr flask --app``."""

from __future__ import annotations

import flask
from werkzeug.middleware.proxy_fix import ProxyFix

import zephyr.flask
from tests.flask.apps import blueprints, errors, extensions, factory, hooks

__all__ = ("app", "erring", "full", "hooked", "legacy")

app = factory.build(zephyr.flask)
legacy = factory.build(flask)

# For the audit: an app with hooks, blueprints, error handlers, extensions and WSGI middleware.
full = extensions.build(zephyr.flask)
full.register_blueprint(blueprints.build(flask).blueprints["api"])
full.wsgi_app = ProxyFix(full.wsgi_app)
hooked = hooks.build(flask)
erring = errors.build(zephyr.flask)
