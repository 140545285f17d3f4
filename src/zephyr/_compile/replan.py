"""A dependency override installed mid-request: the rest of the request follows it, as on FastAPI.

FastAPI looks each dependency up in ``app.dependency_overrides`` when it solves it, so a dependency that installs an
override (``app.dependency_overrides[original] = replacement``) changes what the later dependencies of the same
request are. Zephyr fixes a request's plan when the request starts; a route whose plan may see this (a dependency's
code names ``dependency_overrides``, see ``plan.names_overrides``, or the app's overrides have changed since the
route was compiled) runs its steps here instead of ``solve.call_steps``, and checks the overrides' version after
each dependency. When it moved, the route's plan is compiled again and the rest of the request runs it:

- the dependencies solved already keep their results (found by their place in the tree, and a cached one by its
  ``Dependant.cache_key``), as FastAPI does not solve them again, even when the new override replaces one of them;
- the new plan's parameters are validated (an invalid one answers 422, as FastAPI's would);
- then its steps run in order, still watching.

Every other route runs ``call_steps`` and pays nothing of this. Where the new plan needs what the old one did not
set up (a ``Response`` or ``BackgroundTasks`` parameter, or an exit stack for a ``yield`` dependency), it gets a
new one for the rest of the request: such a replacement's response headers and background tasks are not applied,
and its clean-up runs before the response is sent.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from zephyr._compile.body import read_body, read_body_through_methods
from zephyr._compile.calls import call_step
from zephyr._compile.exact import slow_solve
from zephyr._compile.solve import fast_values

if TYPE_CHECKING:
    from zephyr._compile.plan import Plan

__all__ = ("call_steps_watching",)

_SPECIALS = ("request", "connection", "response", "background_tasks", "websocket")
"""The values the runner puts in before validation: the new plan's steps read them under the same keys."""


async def call_steps_watching(
    runner: Any, plan: Plan, values: dict[str, Any], stack: AsyncExitStack | None, early: AsyncExitStack | None
) -> Any:
    """``solve.call_steps`` that follows an override installed by one of the request's dependencies.

    ``runner`` is the route's ``HTTPRunner`` (its ``watch``, the overrides, and ``_current_plan``).
    """
    return await _run(runner, plan, values, stack, early, _Done())


class _Done:
    """The results of the dependencies solved before the plan changed: by place in the tree, and by cache key."""

    __slots__ = ("by_key", "by_path")

    def __init__(self) -> None:
        self.by_path: dict[tuple[int, ...], Any] = {}
        self.by_key: dict[Any, Any] = {}

    def __bool__(self) -> bool:
        return bool(self.by_path)

    def add(self, steps: Any, values: dict[str, Any]) -> None:
        for step in steps:
            value = values[step.key]
            self.by_path.setdefault(step.path, value)
            self.by_key.setdefault(step.dependant.cache_key, value)

    def find(self, step: Any) -> tuple[bool, Any]:
        """``(True, result)`` for a dependency solved already, else ``(False, None)``."""
        path = step.path
        # Below a solved dependency, nothing is solved again (its replacement's own dependencies neither).
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.by_path:
                return True, self.by_path[path[:cut]] if cut == len(path) else None
        dependant = step.dependant
        if dependant.use_cache and dependant.cache_key in self.by_key:
            return True, self.by_key[dependant.cache_key]
        return False, None


async def _run(
    runner: Any,
    plan: Plan,
    values: dict[str, Any],
    stack: AsyncExitStack | None,
    early: AsyncExitStack | None,
    done: _Done,
) -> Any:
    watch = runner.watch
    version = watch.version
    steps = plan.steps
    last = len(steps) - 1
    result: Any = None
    for index, step in enumerate(steps):
        if index != last and done:
            solved, value = done.find(step)
            if solved:  # solved before the plan changed: not solved again
                values[step.key] = value
                continue
        kwargs = {name: values[key] for name, key in step.kwargs}
        result = await call_step(step, kwargs, stack, early)
        values[step.key] = result
        if index != last and watch.version != version:
            done.add(steps[: index + 1], values)
            return await _replanned(runner, values, stack, early, done)
    return result


async def _replanned(
    runner: Any,
    values: dict[str, Any],
    stack: AsyncExitStack | None,
    early: AsyncExitStack | None,
    done: _Done,
) -> Any:
    """Compile the route's plan again, validate what it reads, and run it (skipping what ``done`` holds)."""
    from zephyr.background import BackgroundTasks
    from zephyr.requests import Request
    from zephyr.responses import Response

    plan: Plan = runner._current_plan()
    request = values["request"]
    scope = request.scope
    fresh: dict[str, Any] = dict(plan.constants) if plan.constants else {}
    fresh.update({name: values[name] for name in _SPECIALS if name in values})
    if plan.needs_response and "response" not in fresh:
        response = fresh["response"] = Response()
        response.raw_headers = []
        response.status_code = None  # type: ignore[assignment]  # FastAPI's "not set" marker
    if plan.needs_background and "background_tasks" not in fresh:
        fresh["background_tasks"] = BackgroundTasks()
    state = None
    if plan.body is not None:
        reader = read_body if type(request) is Request else read_body_through_methods
        state = await reader(plan, request, scope, runner.strict_content_type, runner.form_limits)
    if plan.needs_exit_stack and stack is None:
        async with AsyncExitStack() as own:
            return await _validated_run(runner, plan, scope, state, fresh, own, early, done)
    return await _validated_run(runner, plan, scope, state, fresh, stack, early, done)


async def _validated_run(
    runner: Any,
    plan: Plan,
    scope: Any,
    state: Any,
    values: dict[str, Any],
    stack: AsyncExitStack | None,
    early: AsyncExitStack | None,
    done: _Done,
) -> Any:
    validated = await fast_values(plan, scope, state)
    if validated is None:
        await slow_solve(plan, scope, state, values, stack, early, cache=dict(done.by_key))  # raises the 422
    values.update(validated or {})
    return await _run(runner, plan, values, stack, early, done)
