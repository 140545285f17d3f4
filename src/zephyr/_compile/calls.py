"""Calling endpoints and dependencies: async on the loop, sync in a worker thread, generators as exit-stack entries."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from zephyr._compile.generators import AsyncGenContext, SyncGenContext, cleanup_scope
from zephyr._compile.plan import Step
from zephyr.concurrency import run_in_threadpool

__all__ = ("call_step", "run_sync")


async def call_step(
    step: Step, kwargs: dict[str, Any], stack: AsyncExitStack | None, early: AsyncExitStack | None
) -> Any:
    """Call one dependency (or the endpoint) with its keyword arguments."""
    call = step.call
    if step.direct:
        return call(**kwargs)
    if step.is_async_gen:
        target = early if step.exit_early and early is not None else stack
        assert target is not None  # noqa: S101 - the plan creates a stack whenever a generator dependency exists
        # The clean-up scope lives on the request's stack, which outlives the function-scoped one.
        scope = cleanup_scope(stack if stack is not None else target)
        return await target.enter_async_context(AsyncGenContext(call(**kwargs), scope))
    if step.is_gen:
        target = early if step.exit_early and early is not None else stack
        assert target is not None  # noqa: S101 - as above
        gen = call(**kwargs)  # creating a generator runs none of its code
        return await target.enter_async_context(SyncGenContext(gen))
    if step.is_coroutine:
        return await call(**kwargs)
    return await run_sync(call, kwargs)


async def run_sync(call: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    return await run_in_threadpool(call, **kwargs)
