import asyncio, gc, collections
from benchmarks.apps.zephyr_app import app
def begin():
    gc.collect(); gc.disable(); gc.set_debug(gc.DEBUG_SAVEALL)
def end():
    gc.collect()
    c = collections.Counter(type(o).__qualname__ for o in gc.garbage)
    frames = collections.Counter(o.f_code.co_name for o in gc.garbage if type(o).__name__ == "frame")
    open("/tmp/gc_rsgi.txt", "w").write(f"{len(gc.garbage)}\n{c.most_common(30)}\n{frames.most_common(20)}\n")
@app.on_event("startup")
async def _go():
    loop = asyncio.get_running_loop()
    loop.call_later(3, begin)
    loop.call_later(4, end)
