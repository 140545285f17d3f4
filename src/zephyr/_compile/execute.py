"""Run a compiled route for one request: validate, call, serialize, send. This is the hot path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import AsyncExitStack
from time import perf_counter, time_ns
from typing import Any

import anyio

from zephyr._compile.body import (
    BodyReader,
    BodyState,
    body_at_hand,
    json_value,
    read_body,
    read_body_through_methods,
)
from zephyr._compile.context import attach_endpoint_context, endpoint_context
from zephyr._compile.direct import DIRECT_RESPONSE
from zephyr._compile.exact import slow_solve
from zephyr._compile.plan import Plan
from zephyr._compile.replan import call_steps_watching
from zephyr._compile.serialize import ResponseModel, dumps, stream_text
from zephyr._compile.solve import FORM, call_steps, call_steps_reporting, fast_values, plain_values
from zephyr._interop.starlette import is_asgi_response
from zephyr.background import BackgroundTasks
from zephyr.exceptions import RequestValidationError, ResponseValidationError
from zephyr.requests import Request
from zephyr.responses import JSONResponse, Response, StreamingResponse
from zephyr.types import Message, Receive, Scope, Send

__all__ = ("HTTPRunner", "body_allowed", "stream_item")

_JSON = b"application/json"


def _record(timings: dict[str, float], phase: str, since: float) -> float:
    now = perf_counter()
    timings[phase] = timings.get(phase, 0.0) + (now - since)
    return now


def _telemetry(scope: Scope) -> Any:
    """The request's native telemetry (``zephyr.telemetry``) while it is being traced, else None."""
    traced = scope.get("zephyr.telemetry")
    return traced if traced is not None and traced.data is not None else None


def _counts_changes(watch: Any) -> bool:
    """Whether ``watch`` counts its changes (``app.dependency_overrides``); a plain dict's version is new each time."""
    return watch is not None and watch.version == watch.version


def body_allowed(status_code: int) -> bool:
    return not (status_code < 200 or status_code in (204, 205, 304))


class HTTPRunner:
    """The per-request work of one HTTP route, with everything decided at registration stored on it.

    Args:
        plan: The route's compiled plan.
        refresh: Compiles the plan again (the route's ``plan``); called when ``watch.version`` changed.
        watch: What the plan depends on that may change while serving (``app.dependency_overrides``), or None.
        status_code: The route's ``status_code``.
        response_class: The response class, unwrapped from ``Default(...)``.
        response_class_is_default: Whether the user left ``response_class`` unset.
        response_model: The response model's serializer, if any.
        strict_content_type: Whether a body without a JSON content type is refused as JSON.
        stream: ``"sse"``, ``"jsonl"`` or ``"raw"`` for a generator endpoint, else None.
        form_limits: The route's ``form_limits`` (FastAPI's), over the defaults and ``RequestLimitsMiddleware``'s.
    """

    __slots__ = (
        "encode_json",
        "fast_json",
        "form_limits",
        "plan",
        "refresh",
        "response_class",
        "response_model",
        "status_code",
        "steps",
        "stream",
        "strict_content_type",
        "version",
        "watch",
    )

    def __init__(
        self,
        plan: Plan,
        *,
        refresh: Callable[[], Plan] | None = None,
        watch: Any = None,
        status_code: int | None,
        response_class: type[Response],
        response_class_is_default: bool,
        response_model: ResponseModel | None,
        strict_content_type: bool,
        stream: str | None,
        form_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.plan = plan
        self.form_limits = form_limits or None
        self.refresh = refresh
        self.watch: Any = watch if refresh is not None else None
        self.version = getattr(watch, "version", None)
        # How the dependencies and the endpoint are called: ``call_steps``, or, where a dependency may install an
        # override for a later one mid-request, ``replan.call_steps_watching`` (see there). Chosen here and when
        # the overrides change, never per request.
        self.steps: Callable[..., Any] = call_steps
        if plan.watches_overrides and _counts_changes(self.watch):
            self.steps = self._watching_steps
        self.status_code = status_code
        self.response_class = response_class
        self.response_model = response_model
        self.strict_content_type = strict_content_type
        self.stream = stream
        # The fast path writes the start and body messages itself, with the headers FastAPI's response would have.
        # A JSONResponse named on the route (or as a router's default) renders a response model's data itself, as in
        # FastAPI (a float out of JSON's range is then an error, not null); data without a model is dumped alike.
        self.fast_json = (response_class is JSONResponse and response_model is None) or (
            response_class_is_default and response_model is not None
        )
        # A JSON response class (not the fast path) is handed jsonable content, as FastAPI's serialize_response does.
        self.encode_json = issubclass(response_class, JSONResponse)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.run(Request(scope, receive, send), send)

    async def build(self, request: Request, stack: AsyncExitStack | None) -> Response:
        """Run the route and return its response object instead of sending it (``APIRoute.get_route_handler``)."""
        # A request of a class of its own (an APIRoute subclass's handler made it) is read through its methods.
        reader = read_body if type(request) is Request else read_body_through_methods
        response = await self.run(request, None, stack, reader)
        assert response is not None  # noqa: S101 - without a send channel the response is returned
        return response

    def _current_plan(self) -> Plan:
        """The plan compiled again, after what it depends on changed."""
        assert self.refresh is not None  # noqa: S101 - only watched runners refresh
        self.version = self.watch.version
        self.plan = self.refresh()
        if _counts_changes(self.watch):
            # The app's overrides change (its tests set them): from now on a change mid-request is followed too.
            self.steps = self._watching_steps
        return self.plan

    async def _watching_steps(
        self, plan: Plan, values: dict[str, Any], stack: AsyncExitStack | None, early: AsyncExitStack | None
    ) -> Any:
        return await call_steps_watching(self, plan, values, stack, early)

    def run(
        self,
        request: Request,
        send: Send | None,
        outer_stack: AsyncExitStack | None = None,
        reader: BodyReader = read_body,
    ) -> Coroutine[Any, Any, Response | None]:
        """Serve ``request``: send the response when ``send`` is given, else return it (await what this returns).

        Not a coroutine itself: a request with nothing to await before it is solved (no body, or one Zephyr's server
        handed over whole, and no exit stack of its own) goes straight to ``_solve``, a frame less per request.
        """
        plan = self.plan
        watch = self.watch
        if watch is not None and watch.version != self.version:
            plan = self._current_plan()
        values: dict[str, Any] = dict(plan.constants) if plan.constants else {}
        values["request"] = values["connection"] = request
        sub_response: Response | None = None
        if plan.needs_response:
            sub_response = Response()
            sub_response.raw_headers = []
            sub_response.status_code = None  # type: ignore[assignment]  # FastAPI's "not set" marker
            values["response"] = sub_response
        background: BackgroundTasks | None = None
        if plan.needs_background:
            background = values["background_tasks"] = BackgroundTasks()
        state: BodyState | None = None
        if plan.body is not None and reader is read_body:
            # A body Zephyr's server hands over whole needs no await; others are read first (in _solve_later).
            state = body_at_hand(plan, request, request.scope, self.strict_content_type)
        if (plan.body is not None and state is None) or (plan.needs_exit_stack and outer_stack is None):
            return self._solve_later(plan, request, send, values, state, sub_response, background, outer_stack, reader)
        return self._solve(plan, request, send, values, state, sub_response, background, outer_stack)

    async def _solve_later(
        self,
        plan: Plan,
        request: Request,
        send: Send | None,
        values: dict[str, Any],
        state: BodyState | None,
        sub_response: Response | None,
        background: BackgroundTasks | None,
        outer_stack: AsyncExitStack | None,
        reader: BodyReader,
    ) -> Response | None:
        """``_solve`` after what must be awaited first: reading the body (not at hand yet), an exit stack of its own."""
        if state is None and plan.body is not None:
            state = await reader(plan, request, request.scope, self.strict_content_type, self.form_limits)
        try:
            if plan.needs_exit_stack and outer_stack is None:
                async with AsyncExitStack() as stack:
                    return await self._solve(plan, request, send, values, state, sub_response, background, stack)
            return await self._solve(plan, request, send, values, state, sub_response, background, outer_stack)
        finally:
            if state is not None and state.form is not None:
                await state.form.close()

    async def _solve(  # noqa: C901 - the hot path in one frame: a helper would cost a call per request
        self,
        plan: Plan,
        request: Request,
        send: Send | None,
        values: dict[str, Any],
        state: BodyState | None,
        sub_response: Response | None,
        background: BackgroundTasks | None,
        stack: AsyncExitStack | None,
    ) -> Response | None:
        scope = request.scope
        # TimingMiddleware asks for per-phase durations by putting a dict here; otherwise nothing is measured.
        timings: dict[str, float] | None = scope.get("zephyr.timings")
        mark = perf_counter() if timings is not None else 0.0
        # Only a measured request may be traced (native telemetry measures): one look-up more for those alone.
        if timings is not None and (traced := _telemetry(scope)) is not None:
            return await self._solve_traced(
                plan, request, send, values, state, sub_response, background, stack, traced, timings
            )
        validated = plain_values(plan, scope, state)
        if validated is FORM:
            validated = await fast_values(plan, scope, state)
        if plan.needs_early_exit_stack:
            async with AsyncExitStack() as early:
                if validated is None:
                    await slow_solve(plan, scope, state, values, stack, early)
                values.update(validated or {})
                if timings is not None:
                    mark = _record(timings, "validation", mark)
                result = await self.steps(plan, values, stack, early)
        else:
            if validated is None:
                await slow_solve(plan, scope, state, values, stack, None)
            values.update(validated or {})
            if timings is not None:
                mark = _record(timings, "validation", mark)
            lone = plan.lone
            if lone is not None:  # the endpoint alone: awaited here, without call_steps' loop and call_step's frames
                # A loop, not a comprehension: on Python 3.10 and 3.11 that is a function call of its own.
                kwargs = {}
                for name, key in lone.kwargs:
                    kwargs[name] = values[key]
                result = await lone.call(**kwargs)
            else:
                result = await self.steps(plan, values, stack, None)
        if timings is not None:
            mark = _record(timings, "handler", mark)
        try:
            if callable(result) and not isinstance(result, Response) and is_asgi_response(result):
                # A response object of another framework (Starlette's, sse-starlette's): sent as is, as FastAPI does.
                return await self._send_foreign(result, request, send, background)
            if send is not None and self.fast_json and self.stream is None and not isinstance(result, Response):
                # Not a coroutine: on Zephyr's servers the answer leaves in this call (one frame less per request).
                messages = self._answer_json(result, scope, send, sub_response, timings, mark)
                if messages is not None:
                    await send(messages[0])
                    await send(messages[1])
                if background is not None:
                    await background()
                return None
            response = self._make_response(result, sub_response, background, scope["method"] == "HEAD")
        except ResponseValidationError as exc:
            # Name the endpoint in the error, as FastAPI's message does.
            attach_endpoint_context(exc, endpoint_context(plan, scope))
            raise
        if timings is not None and response is not result:  # a returned Response is not serialized (FastAPI: no span)
            _record(timings, "serialization", mark)
        if send is None:
            return response
        # Sent here, inside the exit stacks: yield dependencies exit after the response is sent.
        await response(scope, request.receive, send)
        return None

    async def _solve_traced(
        self,
        plan: Plan,
        request: Request,
        send: Send | None,
        values: dict[str, Any],
        state: BodyState | None,
        sub_response: Response | None,
        background: BackgroundTasks | None,
        stack: AsyncExitStack | None,
        traced: Any,
        timings: dict[str, float],
    ) -> Response | None:
        """``_solve`` under native telemetry: the request's data is recorded, and each operation runs in its span.

        The dependencies' span covers validation and the dependencies, the endpoint's its call (in the worker thread
        for a plain ``def``), serialization's the response's building, as FastAPI's operation spans do.
        """
        scope = request.scope
        data = traced.data
        data.request = request
        data._source = state
        endpoint = scope.get("endpoint")
        mark = perf_counter()
        started = time_ns()
        validated = await fast_values(plan, scope, state)
        if validated is None and state is not None and plan.body is not None and plan.body.kind == "json":
            try:  # FastAPI reads the JSON before its dependencies' span: malformed JSON is outside it
                json_value(state)
            except RequestValidationError as exc:
                attach_endpoint_context(exc, endpoint_context(plan, scope))
                raise
        dependencies = traced.operation("fastapi.dependencies", endpoint, started)
        try:
            if plan.needs_early_exit_stack:
                async with AsyncExitStack() as early:
                    if validated is None:
                        await slow_solve(plan, scope, state, values, stack, early)
                    values.update(validated or {})
                    mark = _record(timings, "validation", mark)
                    result = await call_steps_reporting(plan, values, stack, early, data, dependencies, traced)
            else:
                if validated is None:
                    await slow_solve(plan, scope, state, values, stack, None)
                values.update(validated or {})
                mark = _record(timings, "validation", mark)
                result = await call_steps_reporting(plan, values, stack, None, data, dependencies, traced)
        except BaseException as exc:
            dependencies.close(exc)  # already closed when the endpoint (or what followed) raised
            raise
        mark = _record(timings, "handler", mark)
        try:
            if callable(result) and not isinstance(result, Response) and is_asgi_response(result):
                return await self._send_foreign(result, request, send, background)
            if isinstance(result, Response):  # returned as it is: not serialized (FastAPI: no span)
                response = self._make_response(result, sub_response, background)
            else:
                with traced.operation("fastapi.serialization", endpoint):
                    response = self._make_response(result, sub_response, background, scope["method"] == "HEAD")
                _record(timings, "serialization", mark)
        except ResponseValidationError as exc:
            attach_endpoint_context(exc, endpoint_context(plan, scope))
            raise
        if send is None:
            return response
        await response(scope, request.receive, send)
        return None

    @staticmethod
    async def _send_foreign(
        result: Any, request: Request, send: Send | None, background: BackgroundTasks | None
    ) -> Response | None:
        if background is not None and getattr(result, "background", None) is None:
            result.background = background  # Starlette awaits ``background()``: our BackgroundTasks fits
        if send is None:
            return result  # type: ignore[no-any-return]
        await result(request.scope, request.receive, send)
        return None

    def _status(self, sub_response: Response | None) -> int | None:
        if sub_response is not None and sub_response.status_code:
            return sub_response.status_code
        return self.status_code

    def _answer_json(
        self,
        result: Any,
        scope: Scope,
        send: Send,
        sub_response: Response | None,
        timings: dict[str, float] | None,
        mark: float,
    ) -> tuple[Message, Message] | None:
        """Answer ``result`` as JSON through the server's direct target (None), or return the two ASGI messages."""
        status = self._status(sub_response) or 200
        body = self.response_model.to_json(result) if self.response_model is not None else dumps(result)
        if timings is not None:
            _record(timings, "serialization", mark)
        allowed = body_allowed(status)
        direct = scope.get(DIRECT_RESPONSE)
        if direct is not None and direct.send == send:
            extra = sub_response.raw_headers if sub_response is not None else None
            direct.respond_json(status, body if allowed else b"", allowed, scope["method"] == "HEAD", extra)
            return None
        if allowed:
            headers = [(b"content-length", b"%d" % len(body)), (b"content-type", _JSON)]
        else:
            headers = [(b"content-type", _JSON)]
            body = b""
        if sub_response is not None and sub_response.raw_headers:
            headers.extend(sub_response.raw_headers)
        return (
            {"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body},
        )

    def _make_response(
        self, result: Any, sub_response: Response | None, background: BackgroundTasks | None, head: bool = False
    ) -> Response:
        if isinstance(result, Response):
            if result.background is None:
                result.background = background
            return result
        kwargs: dict[str, Any] = {"background": background}
        status = self._status(sub_response)
        if status is not None:
            kwargs["status_code"] = status
        response: Response
        if self.stream is not None:
            response = self._stream_response(result, kwargs, head)
        elif self.fast_json:
            body = self.response_model.to_json(result) if self.response_model is not None else dumps(result)
            response = Response(body, media_type="application/json", **kwargs)
        else:
            if self.response_model is not None:
                content = self.response_model.to_python(result)
            elif self.encode_json:
                from zephyr.encoders import jsonable_encoder

                content = jsonable_encoder(result)
            else:
                content = result
            response = self.response_class(content, **kwargs)
        if not body_allowed(response.status_code) and self.stream is None:
            response.body = b""
        if sub_response is not None and sub_response.raw_headers:
            response.raw_headers.extend(sub_response.raw_headers)
        return response

    def _stream_response(self, gen: Any, kwargs: dict[str, Any], head: bool = False) -> Response:
        if head and self.stream != "sse":
            # HEAD on a GET stream: the headers, without running a generator that may never end.
            media_type = "application/jsonl" if self.stream == "jsonl" else self.response_class.media_type
            response = Response(None, media_type=media_type, **kwargs)
            response.raw_headers = [(k, v) for k, v in response.raw_headers if k != b"content-length"]
            return response
        if self.stream == "sse":
            from zephyr.sse import _event_stream

            return _event_stream(self.response_class, gen, self.response_model, kwargs)
        if self.stream == "jsonl":
            return StreamingResponse(_jsonl(gen, self.response_model), media_type="application/jsonl", **kwargs)
        content = _cancellable(gen) if hasattr(gen, "__aiter__") else gen
        return self.response_class(content, **kwargs)


def stream_item(item: Any, model: ResponseModel | None) -> bytes:
    """One item of a streamed response, as JSON bytes (validated by the item model when there is one)."""
    if model is not None:
        return model.to_json(item)
    return stream_text(item).encode("utf-8")


async def _cancellable(gen: Any) -> AsyncIterator[Any]:
    async for chunk in gen:
        yield chunk
        await anyio.sleep(0)  # a checkpoint per item, so a client disconnect can cancel a tight generator


def _jsonl(gen: Any, model: ResponseModel | None) -> Any:
    if hasattr(gen, "__aiter__"):

        async def agen() -> AsyncIterator[bytes]:
            async for item in gen:
                yield stream_item(item, model) + b"\n"
                await anyio.sleep(0)

        return agen()

    def sgen() -> Iterator[bytes]:
        for item in gen:
            yield stream_item(item, model) + b"\n"

    return sgen()
