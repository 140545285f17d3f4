"""fastapi-filter: a SQLAlchemy ``Filter`` with operators, a nested filter and ``order_by``, taken with
``FilterDepends`` and applied to a query on SQLite; SQLModel's tutorial heroes app (create, read, 404) on SQLite."""

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.testclient import TestClient
from fastapi_filter import FilterDepends, with_prefix
from fastapi_filter.contrib.sqlalchemy import Filter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel
from sqlmodel import Session as ModelSession
from sqlmodel import select as model_select


class Base(DeclarativeBase):
    pass


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    age: Mapped[int]
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"))
    address: Mapped[Address] = relationship()


engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
Base.metadata.create_all(engine)
with Session(engine) as db:
    paris, rome = Address(city="Paris"), Address(city="Rome")
    db.add_all(
        [
            User(name="Ada", age=36, address=paris),
            User(name="Alan", age=41, address=rome),
            User(name="Grace", age=85, address=paris),
            User(name="Linus", age=29, address=rome),
        ]
    )
    db.commit()


class AddressFilter(Filter):
    city: str | None = None
    city__in: list[str] | None = None

    class Constants(Filter.Constants):
        model = Address


class UserFilter(Filter):
    name__ilike: str | None = None
    age__lt: int | None = None
    age__gte: int | None = None
    address: AddressFilter | None = FilterDepends(with_prefix("address", AddressFilter))
    order_by: list[str] | None = None

    class Constants(Filter.Constants):
        model = User


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    age: int


def get_db() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    secret_name: str
    age: int | None = Field(default=None, index=True)


hero_engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
SQLModel.metadata.create_all(hero_engine)

app = FastAPI()


@app.get("/users", response_model=list[UserOut])
def list_users(user_filter: UserFilter = FilterDepends(UserFilter), db: Session = Depends(get_db)) -> Any:
    query = user_filter.filter(select(User).outerjoin(Address))
    query = user_filter.sort(query)
    return db.execute(query).scalars().all()


def get_session() -> Iterator[ModelSession]:
    with ModelSession(hero_engine) as session:
        yield session


@app.post("/heroes/")
def create_hero(hero: Hero, session: ModelSession = Depends(get_session)) -> Hero:
    session.add(hero)
    session.commit()
    session.refresh(hero)
    return hero


@app.get("/heroes/")
def read_heroes(
    session: ModelSession = Depends(get_session), offset: int = 0, limit: int = Query(default=100, le=100)
) -> list[Hero]:
    return list(session.exec(model_select(Hero).offset(offset).limit(limit)).all())


@app.get("/heroes/{hero_id}")
def read_hero(hero_id: int, session: ModelSession = Depends(get_session)) -> Hero:
    hero = session.get(Hero, hero_id)
    if not hero:
        raise HTTPException(status_code=404, detail="Hero not found")
    return hero


def names(r: Any) -> list[Any]:
    return [r.status_code, [u["name"] for u in r.json()] if r.status_code == 200 else r.json()]


with TestClient(app) as client:
    everyone = names(client.get("/users", params={"order_by": "name"}))
    young = names(client.get("/users", params={"age__lt": 40, "order_by": "-age"}))
    like = names(client.get("/users", params={"name__ilike": "a", "age__gte": 36, "order_by": "age"}))
    in_paris = names(client.get("/users", params={"address__city": "Paris", "order_by": "name"}))
    cities = names(client.get("/users", params={"address__city__in": "Paris,Rome", "order_by": "-name"}))
    bad_order = client.get("/users", params={"order_by": "height"})
    schema = client.get("/openapi.json").json()
    created = client.post("/heroes/", json={"name": "Deadpond", "secret_name": "Dive Wilson"})
    client.post("/heroes/", json={"name": "Rusty-Man", "secret_name": "Tommy Sharp", "age": 48})
    heroes = client.get("/heroes/", params={"limit": 5})
    hero = client.get("/heroes/2")
    no_hero = client.get("/heroes/9")
    too_many = client.get("/heroes/", params={"limit": 500})
print(
    json.dumps(
        {
            "everyone": everyone,
            "young": young,
            "like": like,
            "in_paris": in_paris,
            "cities": cities,
            "bad_order": [bad_order.status_code, bad_order.json()["detail"][0]["msg"]],
            "params": sorted(p["name"] for p in schema["paths"]["/users"]["get"]["parameters"]),
            "created": [created.status_code, created.json()],
            "heroes": [heroes.status_code, heroes.json()],
            "hero": [hero.status_code, hero.json()],
            "no_hero": [no_hero.status_code, no_hero.json()],
            "too_many": too_many.status_code,
            "hero_schema": sorted(schema["components"]["schemas"]["Hero"]["properties"]),
        }
    )
)
