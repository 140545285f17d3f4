"""fastapi-babel: ``BabelMiddleware`` picks the locale from ``Accept-Language`` among compiled catalogs; ``_()``."""

import json
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from fastapi_babel import BabelConfigs, BabelMiddleware, _  # type: ignore[import-untyped]

root = Path(tempfile.mkdtemp())
for locale, text in (("fr", "Bonjour {name}"), ("de", "Hallo {name}")):
    folder = root / "lang" / locale / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale=locale)
    catalog.add("Hello {name}", text)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)

configs = BabelConfigs(ROOT_DIR=str(root), BABEL_DEFAULT_LOCALE="en", BABEL_TRANSLATION_DIRECTORY=str(root / "lang"))
app = FastAPI()
app.add_middleware(BabelMiddleware, babel_configs=configs)


@app.get("/hello/{name}")
async def hello(name: str, request: Request) -> dict[str, str]:
    return {"locale": request.state.babel.locale, "text": _("Hello {name}").format(name=name)}


with TestClient(app) as client:
    answers = {
        label: client.get("/hello/Ada", headers={"accept-language": value} if value else {}).json()
        for label, value in (
            ("fr", "fr-FR,fr;q=0.9"),
            ("de_first", "de;q=0.8,fr;q=0.5"),
            ("unknown", "es"),
            ("none", None),
        )
    }
print(json.dumps(answers))
