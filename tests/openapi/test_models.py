from __future__ import annotations

from typing import Any

import pytest
from fastapi.openapi import models as fastapi_models
from pydantic import BaseModel, ValidationError

from zephyr.openapi import models
from zephyr.openapi.constants import METHODS_WITH_BODY, REF_PREFIX, REF_TEMPLATE

MODEL_NAMES = sorted(
    name
    for name, value in vars(fastapi_models).items()
    if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == fastapi_models.__name__
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Shop",
        "version": "1.2.3",
        "summary": "Sells things",
        "termsOfService": "https://example.com/terms",
        "contact": {"name": "Ops", "url": "https://example.com/", "email": "ops@example.com"},
        "license": {"name": "MIT", "identifier": "MIT"},
        "x-logo": {"url": "https://example.com/logo.png"},
    },
    "servers": [{"url": "/api", "variables": {"v": {"default": "1", "enum": ["1", "2"]}}}],
    "paths": {
        "/items/{item_id}": {
            "get": {
                "tags": ["items"],
                "operationId": "read_item",
                "parameters": [
                    {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "q", "in": "query", "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
                    {"$ref": "#/components/parameters/Trace"},
                ],
                "responses": {
                    "200": {
                        "description": "Successful Response",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                        "headers": {"X-Rate": {"schema": {"type": "integer"}}},
                    },
                    "x-extension": True,
                },
                "security": [{"OAuth2PasswordBearer": ["items:read"]}],
                "callbacks": {"onEvent": {"{$request.body#/url}": {"post": {"responses": {}}}}},
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {"type": "object", "properties": {"f": {"type": "string", "format": "binary"}}},
                            "encoding": {"f": {"contentType": "image/png"}},
                        }
                    },
                },
                "responses": {"201": {"description": "Created"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Item": {
                "title": "Item",
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                    "extra": {"additionalProperties": False, "not": {"type": "null"}, "if": True},
                },
                "required": ["name"],
                "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/A"}},
                "$defs": {"A": {"const": 1}},
            }
        },
        "parameters": {"Trace": {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}},
        "securitySchemes": {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "token", "scopes": {"items:read": "Read items"}}},
            },
            "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Key"},
            "HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "HTTPBasic": {"type": "http", "scheme": "basic"},
            "OpenIdConnect": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example.com/"},
        },
    },
    "security": [{"APIKeyHeader": []}],
    "tags": [{"name": "items", "externalDocs": {"url": "https://example.com/docs"}}],
    "webhooks": {"newItem": {"post": {"responses": {"200": {"description": "ok"}}}}},
}


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def test_exports_every_fastapi_model_name() -> None:
    missing = [name for name in MODEL_NAMES if not hasattr(models, name)]
    assert missing == []
    for name in ("SchemaType", "SchemaOrBool", "SecurityScheme", "Example", "ParameterInType", "APIKeyIn"):
        assert name in models.__all__


def test_all_is_sorted_and_complete() -> None:
    assert list(models.__all__) == sorted(models.__all__)
    public = {
        name
        for name, value in vars(models).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == models.__name__
    }
    assert public <= set(models.__all__)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_fields_and_aliases_match_fastapi(name: str) -> None:
    ours: type[BaseModel] = getattr(models, name)
    theirs: type[BaseModel] = getattr(fastapi_models, name)
    assert {field: info.alias for field, info in ours.model_fields.items()} == {
        field: info.alias for field, info in theirs.model_fields.items()
    }
    assert {field: info.is_required() for field, info in ours.model_fields.items()} == {
        field: info.is_required() for field, info in theirs.model_fields.items()
    }
    assert ours.model_config.get("extra") == theirs.model_config.get("extra")


def test_document_round_trips_like_fastapi() -> None:
    ours = models.OpenAPI.model_validate(DOCUMENT)
    theirs = fastapi_models.OpenAPI.model_validate(DOCUMENT)
    assert dump(ours) == dump(theirs)
    assert dump(ours) == DOCUMENT | {
        "servers": [{"url": "/api", "variables": {"v": {"default": "1", "enum": ["1", "2"]}}}],
        "info": {**DOCUMENT["info"], "contact": {**DOCUMENT["info"]["contact"], "url": "https://example.com/"}},
        "tags": [{"name": "items", "externalDocs": {"url": "https://example.com/docs"}}],
    }


def test_aliases_populate_by_alias_only() -> None:
    parameter = models.Parameter.model_validate({"name": "q", "in": "query", "schema": {"type": "string"}})
    assert parameter.in_ is models.ParameterInType.query
    assert isinstance(parameter.schema_, models.Schema)
    assert parameter.schema_.type == "string"
    assert models.Reference.model_validate({"$ref": "#/x"}).ref == "#/x"
    assert dump(models.Schema.model_validate({"not": {"type": "null"}, "else": False})) == {
        "not": {"type": "null"},
        "else": False,
    }


def test_extra_fields_are_kept() -> None:
    info = models.Info.model_validate({"title": "t", "version": "1", "x-internal": {"team": "a"}})
    assert dump(info) == {"title": "t", "version": "1", "x-internal": {"team": "a"}}


def test_reference_and_discriminator_refuse_nothing_but_drop_extras() -> None:
    assert dump(models.Reference.model_validate({"$ref": "#/a", "x": 1})) == {"$ref": "#/a"}
    assert dump(models.Discriminator.model_validate({"propertyName": "k", "x": 1})) == {"propertyName": "k"}


def test_security_scheme_types_default() -> None:
    assert dump(models.APIKey.model_validate({"in": "cookie", "name": "s"})) == {
        "type": "apiKey",
        "in": "cookie",
        "name": "s",
    }
    assert dump(models.HTTPBearer()) == {"type": "http", "scheme": "bearer"}
    assert dump(models.OAuth2(flows=models.OAuthFlows())) == {"type": "oauth2", "flows": {}}
    assert dump(models.OpenIdConnect(openIdConnectUrl="/oidc")) == {
        "type": "openIdConnect",
        "openIdConnectUrl": "/oidc",
    }


def test_oauth_flow_scopes_default_is_not_shared() -> None:
    first = models.OAuthFlowPassword(tokenUrl="a")
    second = models.OAuthFlowPassword(tokenUrl="b")
    first.scopes["x"] = "y"
    assert second.scopes == {}


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (models.Info, {"title": "t"}),
        (models.Parameter, {"name": "q", "in": "body"}),
        (models.Schema, {"minLength": -1}),
        (models.Schema, {"type": "text"}),
        (models.ServerVariable, {"default": "a", "enum": []}),
        (models.HTTPBearer, {"scheme": "basic"}),
    ],
)
def test_invalid_documents_are_refused_like_fastapi(model: type[BaseModel], data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(data)
    with pytest.raises(ValidationError):
        getattr(fastapi_models, model.__name__).model_validate(data)


def test_constants_match_fastapi() -> None:
    from fastapi.openapi import constants

    assert set(METHODS_WITH_BODY) == constants.METHODS_WITH_BODY
    assert REF_PREFIX == constants.REF_PREFIX == "#/components/schemas/"
    assert REF_TEMPLATE == constants.REF_TEMPLATE
    assert REF_TEMPLATE.format(model="Item") == "#/components/schemas/Item"
