"""An app that names the event loop serving it (``zephyr run``'s loop, issue 14)."""

import asyncio

from zephyr import FastAPI

app = FastAPI()


@app.get("/loop")
async def loop_name() -> dict[str, str]:
    return {"loop": type(asyncio.get_running_loop()).__name__}
