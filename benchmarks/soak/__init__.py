"""A long mixed-traffic run against one uvicorn worker: memory slope and file-descriptor count (``make soak``)."""
