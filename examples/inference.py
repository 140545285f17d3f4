"""The article's "AI Model Hub": several models, each a pool of instances with its own concurrency limit.

``POST /inference`` names a model and sends rows of iris measurements; the request borrows one instance of that
model from its pool, runs it in the thread pool (off the event loop) and gives it back. When every instance of the
model is busy the request waits for one, up to ``WAIT_TIMEOUT`` seconds, then gets 503 with ``Retry-After``: a model
never runs more copies at once than its limit, whatever the load, and a slow model does not hold up the others.
Each response's usage (the model's counters at that moment) is logged by a durable job (``zephyr.jobs``, see
``docs/jobs.md``): it is in the broker before the response is sent and a worker process writes it, so a crash or a
deploy does not lose it. ``GET /metrics`` answers the same counters, live.

The models are trained at start-up on scikit-learn's bundled iris data set (nothing is downloaded); each instance
is its own copy (``copy.deepcopy``), as each would be a separately loaded model in a real hub.

Settings from the environment (pydantic-settings):

- ``MODEL_LIMITS``: JSON object of model name to instance count, default ``{"iris-logreg": 2, "iris-tree": 1}``
  (the names available are ``iris-logreg`` and ``iris-tree``);
- ``WAIT_TIMEOUT``: seconds a request may wait for a free instance (default 5);
- ``SIMULATED_LATENCY``: seconds added to every inference, to watch requests queue (default 0);
- ``LOG_LEVEL`` (default ``INFO``);
- ``JOBS_URL``: the jobs' broker (default ``redis://127.0.0.1:6379/0``; ``stub://`` keeps them in memory, for
  tests) and ``JOBS_NAMESPACE``, the prefix of its Redis keys (default ``inference``).

Run it: ``SIMULATED_LATENCY=1 zephyr run examples.inference:app`` and ``zephyr worker examples.inference:app``
(which writes the usage lines), then send a few at once:
``for i in 1 2 3; do curl -s -X POST localhost:8000/inference -H 'content-type: application/json'
-d '{"model": "iris-tree", "inputs": [[5.1, 3.5, 1.4, 0.2]]}' & done; wait`` (about 1, 2 and 3 seconds).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from examples._logging import configure_logging
from zephyr import Depends, FastAPI, HTTPException, Request
from zephyr.concurrency import run_in_threadpool
from zephyr.jobs import JobQueue, Jobs

__all__ = (
    "Hub",
    "InferenceRequest",
    "InferenceResponse",
    "ModelPool",
    "PoolTimeoutError",
    "Settings",
    "app",
    "create_app",
    "model_pools",
)

logger = logging.getLogger("examples.inference")


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    model_config = {"protected_namespaces": ()}  # a field named model_limits is fine here

    model_limits: dict[str, int] = {"iris-logreg": 2, "iris-tree": 1}
    wait_timeout: float = 5.0
    simulated_latency: float = 0.0
    log_level: str = "INFO"
    jobs_url: str = "redis://127.0.0.1:6379/0"
    jobs_namespace: str = "inference"


def _trainers() -> dict[str, Callable[[], Any]]:
    """How to build each model the hub knows (imports scikit-learn only when called)."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    iris = load_iris()
    return {
        "iris-logreg": lambda: LogisticRegression(max_iter=1000).fit(iris.data, iris.target),
        "iris-tree": lambda: DecisionTreeClassifier(max_depth=3, random_state=0).fit(iris.data, iris.target),
    }


SPECIES = ("setosa", "versicolor", "virginica")


class PoolTimeoutError(Exception):
    """No instance of the model became free in time."""


class ModelPool:
    """The instances of one model: at most ``len(instances)`` requests use it at once; the others wait in turn."""

    def __init__(self, name: str, instances: list[Any]) -> None:
        self.name = name
        self.limit = len(instances)
        self._free: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
        for number, instance in enumerate(instances):
            self._free.put_nowait((number, instance))
        self.requests = 0
        self.timeouts = 0
        self.waiting = 0
        self.max_in_use = 0
        self.total_wait_ms = 0.0

    @property
    def in_use(self) -> int:
        """Instances lent out right now."""
        return self.limit - self._free.qsize()

    @asynccontextmanager
    async def instance(self, timeout: float) -> AsyncIterator[tuple[int, Any]]:
        """Borrow a free instance (its number and the model), waiting up to ``timeout`` seconds.

        Raises:
            PoolTimeoutError: Every instance stayed busy for ``timeout`` seconds.
        """
        started = time.perf_counter()
        self.waiting += 1
        try:
            borrowed = await asyncio.wait_for(self._free.get(), timeout)
        except asyncio.TimeoutError:
            self.timeouts += 1
            raise PoolTimeoutError(f"every instance of {self.name!r} stayed busy for {timeout:g} s") from None
        finally:
            self.waiting -= 1
        self.requests += 1
        self.total_wait_ms += (time.perf_counter() - started) * 1000
        self.max_in_use = max(self.max_in_use, self.in_use)
        try:
            yield borrowed
        finally:
            self._free.put_nowait(borrowed)

    def metrics(self) -> dict[str, Any]:
        """The pool's counters, as ``GET /metrics`` answers them."""
        return {
            "limit": self.limit,
            "in_use": self.in_use,
            "waiting": self.waiting,
            "requests": self.requests,
            "timeouts": self.timeouts,
            "max_in_use": self.max_in_use,
            "total_wait_ms": round(self.total_wait_ms, 1),
        }


class InferenceRequest(BaseModel):
    """Which model, and the rows to classify (sepal length, sepal width, petal length, petal width)."""

    model: str = Field(examples=["iris-tree"])
    inputs: list[Annotated[list[float], Field(min_length=4, max_length=4)]] = Field(
        min_length=1, max_length=64, examples=[[[5.1, 3.5, 1.4, 0.2]]]
    )


class InferenceResponse(BaseModel):
    """The predictions and where the time went."""

    model: str
    instance: int
    predictions: list[str]
    waited_ms: float
    processing_time_ms: float


def model_pools(request: Request) -> dict[str, ModelPool]:
    """Every model's pool, by name (built in the lifespan)."""
    return request.app.state.pools  # type: ignore[no-any-return]


Hub = Annotated[dict[str, ModelPool], Depends(model_pools)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment's."""
    settings = settings or Settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        trainers = _trainers()
        unknown = sorted(set(settings.model_limits) - set(trainers))
        if unknown:
            raise RuntimeError(f"MODEL_LIMITS names unknown models {unknown}; the hub has {sorted(trainers)}")
        pools = {}
        for name, limit in settings.model_limits.items():
            trained = trainers[name]()
            pools[name] = ModelPool(name, [copy.deepcopy(trained) for _ in range(limit)])
            logger.info("model %s ready: %d instance(s)", name, limit)
        app.state.pools = pools
        yield

    app = FastAPI(title="AI Model Hub", lifespan=lifespan)
    # Nothing connects to the broker before the first job is sent.
    queue = JobQueue(settings.jobs_url, app=app, namespace=settings.jobs_namespace)

    def infer(model: Any, inputs: list[list[float]]) -> list[str]:
        if settings.simulated_latency:
            time.sleep(settings.simulated_latency)  # a bigger model's work, in the worker thread
        return [SPECIES[int(label)] for label in model.predict(inputs)]

    @queue.job(retries=5, backoff=2.0, timeout=30, name="examples.inference.log_usage")
    def log_usage(response: InferenceResponse, metrics: dict[str, Any]) -> None:
        """Runs in a worker (``zephyr worker examples.inference:app``), retried if it fails."""
        logger.info(
            "%s: instance %d, %d row(s), waited %.1f ms, ran %.1f ms; %s",
            response.model,
            response.instance,
            len(response.predictions),
            response.waited_ms,
            response.processing_time_ms,
            metrics,
        )

    @app.post(
        "/inference",
        responses={404: {"description": "No such model"}, 503: {"description": "Every instance stayed busy"}},
    )
    async def inference(
        body: InferenceRequest,
        hub: Hub,
        jobs: Jobs,
    ) -> InferenceResponse:
        """Run a model on the rows, waiting for a free instance of it."""
        pool = hub.get(body.model)
        if pool is None:
            raise HTTPException(404, f"No model {body.model!r}; available: {sorted(hub)}")
        asked = time.perf_counter()
        try:
            async with pool.instance(settings.wait_timeout) as (number, model):
                started = time.perf_counter()
                predictions = await run_in_threadpool(infer, model, body.inputs)
                finished = time.perf_counter()
        except PoolTimeoutError as exc:
            raise HTTPException(503, f"{exc}; try again shortly", headers={"Retry-After": "1"}) from None
        response = InferenceResponse(
            model=body.model,
            instance=number,
            predictions=predictions,
            waited_ms=round((started - asked) * 1000, 1),
            processing_time_ms=round((finished - started) * 1000, 1),
        )
        # The counters as they are now: the worker is another process, with pools of its own.
        jobs.enqueue(log_usage, response, pool.metrics())
        return response

    @app.get("/metrics")
    async def metrics(hub: Hub) -> dict[str, dict[str, Any]]:
        """Usage counters of every model's pool."""
        return {name: pool.metrics() for name, pool in hub.items()}

    return app


app = create_app()
