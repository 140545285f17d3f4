"""A job function's call in two halves: arguments bound and encoded when enqueued, completed when a worker runs it.

Arguments travel as JSON (``jsonable_encoder``), by parameter name. In the worker each one is validated against the
parameter's annotation with pydantic, so a ``Features`` model sent from the web process arrives as a ``Features``
again. A parameter annotated with the app's class (``FastAPI``/``Zephyr``) gets the app (its ``state`` set by the
lifespan, which workers run too). Parameters declared with ``Depends(...)`` are not sent: the worker resolves them as
a route would, without a request (the app's ``dependency_overrides`` apply, ``yield`` dependencies are closed after
the job, one result per dependency per job unless ``use_cache=False``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from zephyr.concurrency import is_async_callable, run_in_threadpool
from zephyr.params import Depends

__all__ = ("JobCall", "JobDependencyError")


class JobDependencyError(TypeError):
    """A job (or one of its dependencies) asks for something a worker cannot provide, such as the request."""


def _depends_of(parameter: inspect.Parameter, hint: Any) -> Depends | None:
    if isinstance(parameter.default, Depends):
        return parameter.default
    if get_origin(hint) is Annotated:
        for extra in get_args(hint)[1:]:
            if isinstance(extra, Depends):
                return extra
    return None


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    target = func if inspect.isfunction(func) or inspect.ismethod(func) else getattr(func, "__call__", func)  # noqa: B004
    try:
        return get_type_hints(target, include_extras=True)
    except Exception:  # unresolvable annotations: validate nothing, pass values as they came
        return {}


class JobCall:
    """How to call one job function: which parameters are sent, which are dependencies, how to validate."""

    __slots__ = ("_adapters", "_hints", "app_parameters", "dependencies", "func", "sent", "signature")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.signature = inspect.signature(func)
        hints = _hints(func)
        self.dependencies: dict[str, Depends] = {}
        self.sent: list[str] = []
        self.app_parameters: list[str] = []
        for name, parameter in self.signature.parameters.items():
            marker = _depends_of(parameter, hints.get(name))
            if _is_app_type(hints.get(name)):
                self.app_parameters.append(name)
            elif marker is not None:
                self.dependencies[name] = Depends(
                    marker.dependency or _annotation_type(hints.get(name)), use_cache=marker.use_cache
                )
            else:
                self.sent.append(name)
        self._adapters: dict[str, Any] | None = None
        self._hints = hints

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Bind enqueue arguments to the sent parameters and make them JSON-safe.

        Raises:
            TypeError: The arguments do not fit the function's signature (checked now, not in the worker).
        """
        from zephyr.encoders import jsonable_encoder

        sent = inspect.Signature([self.signature.parameters[name] for name in self.sent])
        try:
            bound = sent.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(
                f"Cannot enqueue {self.func.__qualname__}{sent}: {exc}. Pass the job's arguments after the function: "
                f"jobs.enqueue({self.func.__name__}, ...); parameters declared with Depends() are resolved by the "
                "worker."
            ) from None
        return {name: jsonable_encoder(value) for name, value in bound.arguments.items()}

    def _validators(self) -> dict[str, Any]:
        if self._adapters is None:
            from pydantic import TypeAdapter

            adapters: dict[str, Any] = {}
            for name in self.sent:
                hint = self._hints.get(name)
                if hint is not None and hint is not Any:
                    adapters[name] = TypeAdapter(hint)
            self._adapters = adapters
        return self._adapters

    async def run(self, values: dict[str, Any], app: Any) -> Any:
        """Validate ``values``, resolve the dependencies and call the function (plain functions in a thread)."""
        validators = self._validators()
        arguments = {
            name: validators[name].validate_python(value) if name in validators else value
            for name, value in values.items()
        }
        async with AsyncExitStack() as stack:
            cache: dict[Any, Any] = {}
            for name in self.app_parameters:
                arguments[name] = app
            for name, marker in self.dependencies.items():
                arguments[name] = await _solve(marker, app, stack, cache, chain=(self.func,))
            if is_async_callable(self.func):
                return await self.func(**arguments)
            return await run_in_threadpool(self.func, **arguments)


def _is_app_type(hint: Any) -> bool:
    """``FastAPI``, or ``FastAPI | None`` (Python 3.10's ``get_type_hints`` makes ``x: FastAPI = None`` optional)."""
    from zephyr._compile.typing_utils import is_union
    from zephyr.applications import Zephyr

    if is_union(hint):
        choices = [arg for arg in get_args(hint) if arg is not type(None)]
        return len(choices) == 1 and _is_app_type(choices[0])
    return isinstance(hint, type) and issubclass(hint, Zephyr)


def _annotation_type(hint: Any) -> Any:
    if get_origin(hint) is Annotated:
        return get_args(hint)[0]
    return hint


def _name(func: Any) -> str:
    return str(getattr(func, "__qualname__", None) or type(func).__qualname__)


async def _solve(
    marker: Depends, app: Any, stack: AsyncExitStack, cache: dict[Any, Any], chain: tuple[Any, ...]
) -> Any:
    dependency: Any = marker.dependency
    overrides = getattr(app, "dependency_overrides", None) or {}
    dependency = overrides.get(dependency, dependency)
    if marker.use_cache and dependency in cache:
        return cache[dependency]
    chain = (*chain, dependency)
    signature = inspect.signature(dependency)
    hints = _hints(dependency)
    kwargs: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        hint = hints.get(name)
        inner = _depends_of(parameter, hint)
        if _is_app_type(hint):
            kwargs[name] = app
        elif inner is not None:
            kwargs[name] = await _solve(
                Depends(inner.dependency or _annotation_type(hint), use_cache=inner.use_cache), app, stack, cache, chain
            )
        elif parameter.default is not inspect.Parameter.empty:
            continue
        else:
            path = " -> ".join(_name(item) for item in chain)
            raise JobDependencyError(
                f"The job dependency {_name(dependency)} asks for {name!r}, which a worker cannot provide: jobs run "
                f"without a request (dependency chain: {path}). Give it a default, or make it a Depends() of something "
                "that does not need the request (e.g. settings, a database pool on app.state)."
            )
    value = await _call(dependency, kwargs, stack)
    if marker.use_cache:
        cache[dependency] = value
    return value


async def _call(dependency: Callable[..., Any], kwargs: dict[str, Any], stack: AsyncExitStack) -> Any:
    if inspect.isasyncgenfunction(dependency):
        return await stack.enter_async_context(asynccontextmanager(dependency)(**kwargs))
    if inspect.isgeneratorfunction(dependency):
        return stack.enter_context(contextmanager(dependency)(**kwargs))
    if is_async_callable(dependency):
        return await dependency(**kwargs)
    return await run_in_threadpool(dependency, **kwargs)
