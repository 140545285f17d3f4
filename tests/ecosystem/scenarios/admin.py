"""sqladmin: ``Admin(app, engine)`` with one ``ModelView``, its list page on SQLite."""

import json
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqladmin import Admin, ModelView
from sqlalchemy import String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
Base.metadata.create_all(engine)
with Session(engine) as session:
    session.add_all([User(name="ada"), User(name="grace")])
    session.commit()


class UserAdmin(ModelView, model=User):
    column_list = [User.id, User.name]


app = FastAPI()
admin = Admin(app, engine)
admin.add_view(UserAdmin)

with TestClient(app) as client:
    index = client.get("/admin/")
    listing = client.get("/admin/user/list")
    static = client.get("/admin/statics/css/main.css")
links = sorted(set(re.findall(r'href="(http://testserver/admin/[^"?]*)"', listing.text)))
print(
    json.dumps(
        {
            "index": index.status_code,
            "list": listing.status_code,
            "ada": "ada" in listing.text,
            "grace": "grace" in listing.text,
            "links": links,
            "static": static.status_code,
        }
    )
)
