"""``zephyr.telemetry._runtime``: OTLP exporters from the environment (``auto_configure``), once per provider."""

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import zephyr
from zephyr.exceptions import FastAPIError
from zephyr.telemetry import _runtime
from zephyr.telemetry._api import resolve
from zephyr.testclient import TestClient


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import os

    for name in list(os.environ):
        if name.startswith(("OTEL_", "FASTAPI_OTEL_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr(_runtime, "_owned", [])
    monkeypatch.setattr(_runtime, "_configured", [])
    yield
    _runtime._shutdown()


def test_endpoints_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _runtime._export_endpoint("TRACES") is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base/")
    assert _runtime._export_endpoint("LOGS") == "http://collector:4318/base/v1/logs"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://other/m")
    assert _runtime._export_endpoint("METRICS") == "https://other/m"
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert _runtime._export_endpoint("TRACES") is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "not-a-url"}, "absolute HTTP"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "http/protobuf"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:1", "OTEL_LOGS_EXPORTER": "console"}, "otlp or none"),
    ],
)
def test_unsupported_environment_is_an_error_naming_the_way_out(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(FastAPIError, match=message):
        _runtime._export_endpoint("LOGS")


def test_auto_configure_setting_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve(None)["auto_configure"] is False
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "TRUE")
    assert resolve(None)["auto_configure"] is True
    assert resolve({"auto_configure": False})["auto_configure"] is False
    assert zephyr.FastAPI()._telemetry["auto_configure"] is True


def _app(provider: Any, **settings: Any) -> zephyr.FastAPI:
    config: Any = {"tracer_provider": provider, "metrics": False, "logs": False, **settings}
    app = zephyr.FastAPI(telemetry=config)

    @app.get("/")
    def endpoint() -> str:
        return "ok"

    return app


def test_exporter_added_once_to_the_apps_provider_and_flushed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:1/v1/traces")
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    flushed = []
    for _ in range(2):
        with TestClient(_app(provider, auto_configure=True)) as client:
            assert client.get("/").json() == "ok"
            (component,) = _runtime._owned
            monkeypatch.setattr(component, "force_flush", lambda: flushed.append(True))
    assert [signal for signal, _ in _runtime._configured] == ["TRACES"]
    assert _runtime._configured[0][1] is provider
    assert flushed == [True, True]  # after each lifespan
    assert [span.name for span in exporter.get_finished_spans()].count("GET /") == 2  # the app's own exporter stays
    provider.shutdown()


def test_failed_set_up_is_a_warning_and_the_app_starts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "not-a-url")
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with TestClient(_app(provider, auto_configure=True)) as client:
        assert client.get("/").json() == "ok"
    assert "automatic telemetry configuration failed" in caplog.text
    assert not _runtime._owned
    assert exporter.get_finished_spans()  # decided after the start-up: traced all the same
    provider.shutdown()


def test_provider_without_registration_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.trace import NoOpTracerProvider

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:1/v1/traces")
    config = resolve({"tracer_provider": NoOpTracerProvider(), "auto_configure": True})
    with pytest.raises(FastAPIError, match="does not support adding an OTLP exporter"):
        _runtime._configure_from_environment(config)


def test_cleanup_failures_are_logged(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    class Failing:
        def force_flush(self) -> None:
            raise RuntimeError("flush")

        def shutdown(self) -> None:
            raise RuntimeError("shutdown")

    monkeypatch.setattr(_runtime, "_owned", [Failing()])
    _runtime._flush()
    _runtime._shutdown()
    assert caplog.text.count("FastAPI telemetry cleanup failed") == 2
    assert _runtime._owned == []
