"""starlette-admin: a SQLAlchemy ``Admin`` with a ``ModelView`` mounted on the app with ``admin.mount_to(app)``."""

import json
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.pool import StaticPool
from starlette_admin.contrib.sqla import Admin, ModelView

Base = declarative_base()


class Post(Base):  # type: ignore[misc,valid-type]
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False)


engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
Base.metadata.create_all(engine)
with Session(engine) as db:
    db.add_all([Post(title="hello"), Post(title="world")])
    db.commit()

app = FastAPI()
admin = Admin(engine, title="Blog admin", secret_key="not-so-secret")
admin.add_view(ModelView(Post))
admin.mount_to(app)

with TestClient(app) as client:
    index = client.get("/admin/")
    listed = client.get("/admin/post/list")
    form = client.get("/admin/post/create")
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)
    refused = client.post("/admin/post/create", data={"title": "forged"}, follow_redirects=False)
    created = client.post(
        "/admin/post/create", data={"title": "third", "csrftoken": token[1] if token else ""}, follow_redirects=False
    )
    relisted = client.get("/admin/post/list")
    detail = client.get("/admin/post/detail", params={"pk": "3"})
    css = client.get("/admin/static/css/inline-edit.css")
with Session(engine) as db:
    titles = db.scalars(select(Post.title).order_by(Post.id)).all()
print(
    json.dumps(
        {
            "index": [index.status_code, "Blog admin" in index.text, "/admin/post/list" in index.text],
            "list": [listed.status_code, "hello" in listed.text, "world" in listed.text, "third" in listed.text],
            "form": [form.status_code, token is not None],
            "refused": [refused.status_code, refused.text],
            "created": [created.status_code, created.headers.get("location")],
            "relisted": [relisted.status_code, "third" in relisted.text],
            "detail": [detail.status_code, "third" in detail.text],
            "titles": list(titles),
            "static": [css.status_code, css.headers.get("content-type")],
            "url": str(app.url_path_for("admin:index")),
        }
    )
)
