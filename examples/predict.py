"""The article's "AI Model API": ``POST /predict`` with a real scikit-learn model, timed, logged by a durable job.

At start-up (in the lifespan) the app trains a logistic regression on the iris data set that scikit-learn ships
(nothing is downloaded): 150 flowers, four measurements each, three species. ``POST /predict`` takes the four
measurements (``PredictionRequest``) and answers the species, the model's probability for it and
``processing_time_ms`` (``PredictionResponse``). The prediction is logged by a durable job (``zephyr.jobs``, see
``docs/jobs.md``): it is in Redis before the response is sent, so a crash or a deploy right after answering does
not lose it, and a worker process writes it::

    INFO      examples.predict: predicted setosa (p=0.979) in 0.41 ms for [5.1, 3.5, 1.4, 0.2]

That line shows in the worker's output because the module configures logging (``examples/_logging.py``): servers
configure only their own loggers, and without a handler an app's INFO lines go nowhere.

Settings from the environment (pydantic-settings): ``LOG_LEVEL`` (default ``INFO``), ``JOBS_URL`` (the broker,
default ``redis://127.0.0.1:6379/0``; ``stub://`` keeps jobs in memory, for tests), ``JOBS_NAMESPACE`` (the prefix
of its Redis keys, default ``predict``).

Run it: ``zephyr run examples.predict:app`` and ``zephyr worker examples.predict:app``, then ``curl -X POST
localhost:8000/predict -H 'content-type: application/json' -d '{"sepal_length": 5.1, "sepal_width": 3.5,
"petal_length": 1.4, "petal_width": 0.2}'``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from examples._logging import configure_logging
from zephyr import Depends, FastAPI, Request
from zephyr.jobs import JobQueue, Jobs

__all__ = (
    "IrisModel",
    "PredictionRequest",
    "PredictionResponse",
    "Settings",
    "app",
    "jobs_queue",
    "log_prediction",
)

logger = logging.getLogger("examples.predict")


class Settings(BaseSettings):
    """Read from environment variables of the same names (case-insensitive)."""

    log_level: str = "INFO"
    jobs_url: str = "redis://127.0.0.1:6379/0"
    jobs_namespace: str = "predict"


class PredictionRequest(BaseModel):
    """A flower's measurements, in centimetres."""

    sepal_length: float = Field(gt=0, le=20, examples=[5.1])
    sepal_width: float = Field(gt=0, le=20, examples=[3.5])
    petal_length: float = Field(gt=0, le=20, examples=[1.4])
    petal_width: float = Field(gt=0, le=20, examples=[0.2])

    def features(self) -> list[float]:
        """The model's input row."""
        return [self.sepal_length, self.sepal_width, self.petal_length, self.petal_width]


class PredictionResponse(BaseModel):
    """The model's answer."""

    species: str
    probability: float
    processing_time_ms: float
    model_version: str


class IrisModel:
    """A logistic regression trained on scikit-learn's bundled iris data set."""

    def __init__(self) -> None:
        from sklearn.datasets import load_iris
        from sklearn.linear_model import LogisticRegression

        iris = load_iris()
        self.classes: list[str] = [str(name) for name in iris.target_names]
        self.estimator = LogisticRegression(max_iter=1000).fit(iris.data, iris.target)
        self.accuracy = float(self.estimator.score(iris.data, iris.target))
        self.version = f"iris-logreg-{len(iris.data)}"

    def predict(self, features: list[float]) -> tuple[str, float]:
        """The most likely species and its probability."""
        probabilities = self.estimator.predict_proba([features])[0]
        best = int(probabilities.argmax())
        return self.classes[best], float(probabilities[best])


settings = Settings()
configure_logging(settings.log_level)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Train the model once, before the first request."""
    app.state.model = IrisModel()
    logger.info("model %s trained (accuracy %.3f)", app.state.model.version, app.state.model.accuracy)
    yield


app = FastAPI(title="AI Model API", lifespan=lifespan)
# Nothing connects to the broker before the first job is sent.
jobs_queue = JobQueue(settings.jobs_url, app=app, namespace=settings.jobs_namespace)


def get_model(request: Request) -> IrisModel:
    """The model trained at start-up."""
    model: IrisModel = request.app.state.model
    return model


@jobs_queue.job(retries=5, backoff=2.0, timeout=30)
def log_prediction(features: list[float], response: PredictionResponse) -> None:
    """Runs in a worker (``zephyr worker examples.predict:app``), retried if it fails."""
    logger.info(
        "predicted %s (p=%.3f) in %.2f ms for %s",
        response.species,
        response.probability,
        response.processing_time_ms,
        features,
    )


@app.post("/predict", tags=["model"])
def predict(
    request: PredictionRequest, model: Annotated[IrisModel, Depends(get_model)], jobs: Jobs
) -> PredictionResponse:
    """Predict the species; a plain ``def``, so the CPU work runs in the thread pool, off the event loop."""
    started = time.perf_counter()
    species, probability = model.predict(request.features())
    response = PredictionResponse(
        species=species,
        probability=round(probability, 4),
        processing_time_ms=round((time.perf_counter() - started) * 1000, 3),
        model_version=model.version,
    )
    jobs.enqueue(log_prediction, request.features(), response)  # in the broker before the response is sent
    return response


@app.get("/model", tags=["model"])
def model_info(model: Annotated[IrisModel, Depends(get_model)]) -> dict[str, Any]:
    """What the model is and how well it fits its training data."""
    return {"version": model.version, "classes": model.classes, "training_accuracy": round(model.accuracy, 3)}
