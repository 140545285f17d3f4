"""Questions about type annotations that decide where a parameter is read from."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import types
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Annotated, Any, ForwardRef, Union, get_args, get_origin

from pydantic import BaseModel

from zephyr.exceptions import FastAPIError

__all__ = (
    "PLAIN_SCALARS",
    "UnionType",
    "annotated",
    "evaluate_annotation",
    "is_async_gen_callable",
    "is_coroutine_callable",
    "is_gen_callable",
    "is_json",
    "is_scalar",
    "is_scalar_sequence",
    "is_sequence",
    "is_union",
    "is_upload_file_annotation",
    "lenient_issubclass",
    "model_type",
    "strip_annotated",
    "typed_signature",
    "unwrapped_call",
)

UnionType = getattr(types, "UnionType", Union)
_SEQUENCE_TYPES = (list, tuple, set, frozenset, deque, Sequence)
_LAZY_ANNOTATION = (str, ForwardRef)


def _iscoroutinefunction(func: Any) -> bool:
    """``inspect.iscoroutinefunction``, also honouring asyncio's legacy ``_is_coroutine`` marker as FastAPI does.

    asyncio is not imported for it: a marker can only exist once ``asyncio.coroutines`` was.
    """
    if inspect.iscoroutinefunction(func):
        return True
    coroutines = sys.modules.get("asyncio.coroutines")
    marker = getattr(coroutines, "_is_coroutine", None)
    return marker is not None and getattr(func, "_is_coroutine", None) is marker


"""Annotations that ``typed_signature`` evaluates; any other annotation is kept as it is."""


def lenient_issubclass(cls: Any, class_or_tuple: Any) -> bool:
    if not isinstance(cls, type):
        return False
    try:
        return issubclass(cls, class_or_tuple)
    except TypeError:  # pragma: no cover - Python 3.10: ``list[int]`` passes isinstance(..., type), not issubclass
        return False


def is_union(annotation: Any) -> bool:
    origin = get_origin(annotation)
    return origin is Union or origin is UnionType


def annotated(annotation: Any, *metadata: Any) -> Any:
    """``Annotated[annotation, *metadata]``, or ``annotation`` itself when there is no metadata.

    Subscription with a tuple is the one spelling every supported Python accepts: ``Annotated.__class_getitem__``
    is gone from Python 3.13 on.
    """
    if not metadata:
        return annotation
    arguments = (annotation, *metadata)
    return Annotated[arguments]


def unalias(annotation: Any) -> Any:
    """The value of a PEP 695 ``type X = ...`` alias (or ``typing_extensions.TypeAliasType``), else ``annotation``."""
    while type(annotation).__name__ == "TypeAliasType" and hasattr(annotation, "__value__"):
        annotation = annotation.__value__
    return annotation


def strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def is_sequence(annotation: Any) -> bool:
    if type(annotation) is type and annotation in PLAIN_SCALARS:
        return False
    annotation = strip_annotated(annotation)
    if is_union(annotation):
        return any(is_sequence(arg) for arg in get_args(annotation))
    if lenient_issubclass(annotation, (str, bytes)):
        return False
    origin = get_origin(annotation)
    if origin is not None:
        return lenient_issubclass(origin, _SEQUENCE_TYPES)
    return lenient_issubclass(annotation, _SEQUENCE_TYPES)


def is_json(annotation: Any) -> bool:
    """Whether ``annotation`` is Pydantic's ``Json[...]``: one JSON string to parse, whatever type it parses to.

    Such a parameter is read as a single value (not a list of repeated values, nor a parameter model's fields).
    """
    from pydantic import Json

    while get_origin(annotation) is Annotated:
        if any(item is Json or type(item) is Json for item in annotation.__metadata__):
            return True
        annotation = get_args(annotation)[0]
    return False


def _is_upload_file(annotation: Any) -> bool:
    from zephyr.datastructures import UploadFile

    return lenient_issubclass(strip_annotated(annotation), UploadFile)


def is_upload_file_annotation(annotation: Any) -> bool:
    """``UploadFile``, ``UploadFile | None`` or a sequence of them."""
    annotation = strip_annotated(annotation)
    if _is_upload_file(annotation):
        return True
    if is_union(annotation):
        return any(is_upload_file_annotation(arg) for arg in get_args(annotation) if arg is not type(None))
    if is_sequence(annotation):
        return any(_is_upload_file(arg) for arg in get_args(annotation))
    return False


PLAIN_SCALARS = frozenset({int, float, str, bool, bytes})
"""The usual parameter types, answered without the general walk (start-up with thousands of routes)."""


def _is_complex(annotation: Any) -> bool:
    if type(annotation) is type and annotation in PLAIN_SCALARS:
        return False
    annotation = strip_annotated(annotation)
    if is_union(annotation):
        return any(_is_complex(arg) for arg in get_args(annotation))
    origin = get_origin(annotation) or annotation
    return (
        lenient_issubclass(origin, (BaseModel, Mapping))
        or _is_upload_file(annotation)
        or is_sequence(annotation)
        or dataclasses.is_dataclass(origin)
    )


def is_scalar(annotation: Any) -> bool:
    return annotation is Ellipsis or not _is_complex(annotation)


def is_scalar_sequence(annotation: Any) -> bool:
    annotation = strip_annotated(annotation)
    if is_union(annotation):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        return bool(args) and all(is_scalar_sequence(arg) or is_scalar(arg) for arg in args)
    if not is_sequence(annotation):
        return False
    return all(is_scalar(arg) for arg in get_args(annotation) if arg is not Ellipsis)


def model_type(annotation: Any) -> type[BaseModel] | None:
    """The Pydantic model class an annotation names (``Model`` or ``Model | None``), or None."""
    annotation = strip_annotated(annotation)
    if lenient_issubclass(annotation, BaseModel):
        return annotation  # type: ignore[no-any-return]
    if is_union(annotation):
        models = [arg for arg in get_args(annotation) if lenient_issubclass(arg, BaseModel)]
        if len(models) == 1 and all(arg is type(None) or arg in models for arg in get_args(annotation)):
            return models[0]  # type: ignore[no-any-return]
    return None


def _globals_of(call: Callable[..., Any]) -> dict[str, Any]:
    target: Any = _impartial(call)
    if inspect.isclass(target):
        target = target.__init__
    elif not (inspect.isfunction(target) or inspect.ismethod(target)) and hasattr(target, "__call__"):  # noqa: B004
        target = target.__call__
    target = inspect.unwrap(target)
    module = sys.modules.get(getattr(target, "__module__", "") or "")
    namespace = dict(vars(module)) if module else {}
    namespace.update(getattr(target, "__globals__", {}))
    return namespace


def evaluate_annotation(annotation: Any, namespace: dict[str, Any], what: str) -> Any:
    """``annotation`` evaluated in ``namespace`` when it is a string or forward reference (``what`` names it)."""
    if isinstance(annotation, str):
        annotation = ForwardRef(annotation)
    if isinstance(annotation, ForwardRef):
        try:
            return eval(annotation.__forward_arg__, namespace)  # noqa: S307 - evaluating the user's own annotation
        except Exception as exc:
            raise FastAPIError(
                f"Cannot resolve the annotation {annotation.__forward_arg__!r} of {what}: {exc}. "
                "Define the type at module level (or import it) so it can be found when the route is added."
            ) from exc
    return annotation


def typed_signature(call: Callable[..., Any]) -> inspect.Signature:
    """The signature of ``call`` with string annotations evaluated in the namespace ``call`` was defined in."""
    signature = inspect.signature(call)
    # Nothing to evaluate is the usual case, unless the module has ``from __future__ import annotations``.
    if not isinstance(signature.return_annotation, _LAZY_ANNOTATION) and not any(
        isinstance(param.annotation, _LAZY_ANNOTATION) for param in signature.parameters.values()
    ):
        return signature
    namespace = _globals_of(call)
    name = getattr(call, "__qualname__", repr(call))
    parameters = [
        param.replace(
            annotation=evaluate_annotation(param.annotation, namespace, f"parameter {param.name!r} of {name}")
        )
        for param in signature.parameters.values()
    ]
    return_annotation = signature.return_annotation
    if return_annotation is not inspect.Signature.empty:
        try:
            return_annotation = evaluate_annotation(return_annotation, namespace, f"the return annotation of {name}")
        except FastAPIError:
            return_annotation = inspect.Signature.empty
    return inspect.Signature(parameters, return_annotation=return_annotation)


def _impartial(call: Any) -> Any:
    while isinstance(call, functools.partial):
        call = call.func
    return call


def unwrapped_call(call: Any) -> Any:
    """``call`` seen through ``functools.partial`` and ``functools.wraps`` layers."""
    return inspect.unwrap(_impartial(call))


def _callables_to_test(call: Any) -> Iterator[tuple[Any, bool]]:
    """What FastAPI inspects to tell how a dependency runs, in its order: ``(candidate, is_the_call_itself)``.

    The call seen through ``functools.partial`` and ``functools.wraps`` layers; unless that is a class, its
    ``__call__`` (seen through the same layers), and the ``__call__`` of the unwrapped call.
    """
    yield _impartial(call), True
    unwrapped = unwrapped_call(call)
    yield unwrapped, True
    if inspect.isclass(unwrapped):
        return
    for owner in (_impartial(call), unwrapped):
        dunder_call = getattr(owner, "__call__", None)  # noqa: B004 - the attribute itself is what is inspected
        if dunder_call is not None:
            yield _impartial(dunder_call), False
            yield unwrapped_call(dunder_call), False


def _is_plain_function(call: Any) -> bool:
    """Whether ``call`` is a plain function that no ``functools.wraps`` layer hides (the usual endpoint).

    For such a function every other candidate of :func:`_callables_to_test` is its ``__call__`` method-wrapper, which
    is never a coroutine or generator function: the function's own flags decide, without walking the candidates (at
    start-up, with thousands of routes, the walk was a quarter of the registration time).
    """
    return type(call) is types.FunctionType and "__wrapped__" not in call.__dict__


def is_coroutine_callable(call: Callable[..., Any]) -> bool:
    """Whether calling ``call`` gives an awaitable to await (else it runs in a worker thread)."""
    if _is_plain_function(call):
        return _iscoroutinefunction(call)
    return any(
        _iscoroutinefunction(candidate) and (not direct or inspect.isroutine(candidate))
        for candidate, direct in _callables_to_test(call)
    )


def is_async_gen_callable(call: Callable[..., Any]) -> bool:
    """Whether ``call`` is an async generator dependency (seen through partials, wrappers and ``__call__``)."""
    if _is_plain_function(call):
        return bool(call.__code__.co_flags & inspect.CO_ASYNC_GENERATOR)
    return any(inspect.isasyncgenfunction(candidate) for candidate, _ in _callables_to_test(call))


def is_gen_callable(call: Callable[..., Any]) -> bool:
    """Whether ``call`` is a generator dependency (seen through partials, wrappers and ``__call__``)."""
    if _is_plain_function(call):
        return bool(call.__code__.co_flags & inspect.CO_GENERATOR)
    return any(inspect.isgeneratorfunction(candidate) for candidate, _ in _callables_to_test(call))
