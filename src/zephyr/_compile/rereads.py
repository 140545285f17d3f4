"""``bytes`` file parameters read when FastAPI reads them: after the dependencies that run before their owner.

FastAPI reads a ``bytes`` ``File()`` parameter when it solves the dependency declaring it, from the upload's current
position (and puts the position back). Zephyr reads every form value before the first dependency runs, which gives
the same bytes unless a dependency called earlier took the same upload as an ``UploadFile`` and moved its position.
For that case alone, found when the plan is compiled, the later dependency is wrapped to read its bytes again, from
the upload as the earlier one left it. No other plan is touched, so the rest pay nothing for it.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from typing import Any

from zephyr._compile.form_input import file_bytes
from zephyr._compile.generators import AsyncGenContext, SyncGenContext
from zephyr._compile.limits import Limited
from zephyr.concurrency import run_in_threadpool
from zephyr.datastructures import UploadFile

__all__ = ("UPLOAD_KWARG_PREFIX", "rereading")

UPLOAD_KWARG_PREFIX = "zephyr:upload:"
"""The keyword a wrapped call receives the earlier dependency's upload under: no identifier, so no parameter's name."""


def rereading(
    call: Callable[..., Any],
    rereads: tuple[tuple[str, str], ...],
    *,
    is_coroutine: bool,
    is_gen: bool,
    is_async_gen: bool,
) -> Limited:
    """``call`` given, for each ``(parameter, upload keyword)`` of ``rereads``, the upload's bytes read just before.

    Called without the upload keyword (the exact path, which reads the form itself), the bytes given are kept.
    """

    async def fresh(kwargs: dict[str, Any]) -> None:
        for name, keyword in rereads:
            upload = kwargs.pop(keyword, None)
            if isinstance(upload, UploadFile):
                kwargs[name] = await file_bytes(upload)

    if is_gen or is_async_gen:
        context = AsyncGenContext if is_async_gen else SyncGenContext

        @functools.wraps(call)  # named as the call it wraps, in traces
        async def rereading_generator(**kwargs: Any) -> AsyncIterator[Any]:
            await fresh(kwargs)
            async with context(call(**kwargs)) as value:
                yield value

        return rereading_generator, False, True

    @functools.wraps(call)
    async def rereading_call(**kwargs: Any) -> Any:
        await fresh(kwargs)
        if is_coroutine:
            return await call(**kwargs)
        return await run_in_threadpool(call, **kwargs)

    return rereading_call, True, False
