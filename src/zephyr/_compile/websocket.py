"""Run a compiled WebSocket route: validate its parameters, call its dependencies and the endpoint."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from zephyr._compile.context import attach_endpoint_context, endpoint_context
from zephyr._compile.exact import slow_solve
from zephyr._compile.generators import ResponseNotAwaitedError
from zephyr._compile.plan import Plan
from zephyr._compile.solve import call_steps, call_steps_reporting, fast_values
from zephyr.exceptions import RequestValidationError, WebSocketRequestValidationError
from zephyr.telemetry._operations import NO_OPERATION
from zephyr.types import Receive, Scope, Send

__all__ = ("run_websocket",)


class _Untraced:
    """A WebSocket session's operations are traced from its messages (see ``zephyr.telemetry``), not here."""

    @staticmethod
    def operation(name: str, function: Any) -> Any:
        return NO_OPERATION


_UNTRACED = _Untraced()


async def run_websocket(plan: Plan, scope: Scope, receive: Receive, send: Send) -> None:
    from zephyr.websockets import WebSocket

    websocket = WebSocket(scope, receive, send)
    values: dict[str, Any] = dict(plan.constants) if plan.constants else {}
    values["websocket"] = values["connection"] = websocket
    if plan.needs_response:  # FastAPI hands WebSocket dependencies a throwaway Response too
        from zephyr.responses import Response

        values["response"] = Response()
    if plan.needs_background:
        from zephyr.background import BackgroundTasks

        values["background_tasks"] = BackgroundTasks()
    try:
        async with AsyncExitStack() as stack:
            if plan.needs_early_exit_stack:  # scope="function" dependencies exit when the endpoint returns
                async with AsyncExitStack() as early:
                    await _session(plan, scope, values, stack, early)
            else:
                await _session(plan, scope, values, stack, None)
    except ResponseNotAwaitedError:
        return  # a yield dependency swallowed the error: a WebSocket session simply ends, as in FastAPI


async def _session(
    plan: Plan, scope: Scope, values: dict[str, Any], stack: AsyncExitStack, early: AsyncExitStack | None
) -> None:
    traced = scope.get("zephyr.telemetry")
    data = traced.data if traced is not None else None
    if data is not None:  # native telemetry's request data (``get_telemetry_data``)
        data.websocket = values["websocket"]
    validated = await fast_values(plan, scope, None)
    if validated is None:
        try:
            await slow_solve(plan, scope, None, values, stack, early)
        except RequestValidationError as exc:
            error = WebSocketRequestValidationError(exc.errors())
            attach_endpoint_context(error, endpoint_context(plan, scope))
            raise error from exc
    values.update(validated or {})
    if data is None:
        await call_steps(plan, values, stack, early)
    else:
        await call_steps_reporting(plan, values, stack, early, data, NO_OPERATION, _UNTRACED)
