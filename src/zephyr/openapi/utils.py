"""Build the OpenAPI 3.1 document from the app's routes, as FastAPI builds it.

``get_openapi`` reads each route's dependency tree (the same one its request plan is compiled from), asks Pydantic
for every schema in one ``generate_definitions`` call (so shared models become ``$ref`` components, split into
``-Input``/``-Output`` where validation and serialization differ), and assembles paths, parameters, request bodies,
responses and security requirements. ``app.openapi()`` calls it once and caches the result.
"""

from __future__ import annotations

import copy
import http.client
import inspect
import warnings
from collections.abc import Sequence
from typing import Any, get_args

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema

from zephyr._compile.dependant import Dependant, ParamField
from zephyr._compile.typing_utils import lenient_issubclass
from zephyr._interop.starlette import is_starlette_json_response_class
from zephyr._routing.base import expand_routes
from zephyr.encoders import jsonable_encoder
from zephyr.openapi import _fields
from zephyr.openapi._fields import ModelField
from zephyr.openapi.constants import METHODS_WITH_BODY, REF_PREFIX, REF_TEMPLATE
from zephyr.openapi.models import OpenAPI

__all__ = ("get_openapi", "get_openapi_path")

validation_error_definition: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {"title": "Location", "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}
validation_error_response_definition: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "array", "items": {"$ref": REF_PREFIX + "ValidationError"}}},
}
_STATUS_RANGES = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}
_SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


class _JsonSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, with ``bytes`` described the OpenAPI 3.1 way (as FastAPI describes them)."""

    def bytes_schema(self, schema: CoreSchema) -> JsonSchemaValue:
        json_schema: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}
        mode = self._config.ser_json_bytes if self.mode == "serialization" else self._config.val_json_bytes
        if mode == "base64":
            json_schema["contentEncoding"] = "base64"
        self.update_with_validations(json_schema, schema, self.ValidationsMapping.bytes)
        return json_schema


def _body_allowed(status_code: int | None) -> bool:
    if status_code is None:
        return True
    return not (status_code < 200 or status_code in (204, 205, 304))


def _deep_update(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = target[key] + value
        else:
            target[key] = value


class _RouteDocs:
    """What the generator needs to know about one route, worked out once."""

    def __init__(self, route: Any) -> None:
        from zephyr.datastructures import DefaultPlaceholder

        self.route = route
        self.dependant: Dependant = route.full_dependant()
        response_class = route.response_class
        self.response_class = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
        self.default_class = isinstance(response_class, DefaultPlaceholder)
        self.body = self._body_field(route)
        self.params = self._params()
        self.response: ModelField | None = None
        self.stream_item: ModelField | None = None
        if route.is_stream:
            item = route._stream_item_type()
            if item is not None:
                self.stream_item = _fields.response_field(f"StreamItem_{route.unique_id}", item)
        elif route.response_model is not None:
            self.response = _fields.response_field(f"Response_{route.unique_id}", route.response_model)
        from zephyr import _hooks

        # Responses recorded by decorators such as ``@limit`` (429) come first; the route's own override them.
        self.responses: dict[Any, Any] = {
            **_hooks.route_responses(route.endpoint, getattr(route, "dependencies", ())),
            **(route.responses or {}),
        }
        self.extra_responses: dict[Any, ModelField] = {}
        self.callbacks = {
            id(callback): _RouteDocs(callback)
            for callback in route.callbacks or []
            if hasattr(callback, "full_dependant")
        }
        for code, response in self.responses.items():
            model = response.get("model") if isinstance(response, dict) else None
            if model is not None:
                self.extra_responses[code] = _fields.response_field(f"Response_{code}_{route.unique_id}", model)

    def _body_field(self, route: Any) -> ModelField | None:
        """The body as analysed when the route was made (FastAPI's ``route.body_field``), with hook dependencies'."""
        registered: list[ParamField] | None = getattr(route, "_registered_body_params", None)
        if registered is None:
            return _fields.body_field(self.dependant, route.unique_id)
        if self.dependant is not route.dependant:  # hook dependencies spliced in (``@limit``...)
            known = {id(p) for p in route.dependant.flat_body_params()}
            registered = [*registered, *(p for p in self.dependant.flat_body_params() if id(p) not in known)]
        return _fields.body_field_of(registered, route.unique_id)

    def _params(self) -> list[tuple[str, Any, ModelField, str, bool]]:
        """(location, parameter, field, external name, optional model) in FastAPI's order."""
        groups: dict[str, list[Any]] = {"path": [], "query": [], "header": [], "cookie": []}
        self.security: list[tuple[Any, list[str]]] = []
        visited: list[Any] = []
        stack: list[tuple[Dependant, list[str], bool]] = [(self.dependant, [], True)]
        while stack:
            node, parent_scopes, is_root = stack.pop()
            key = node.cache_key
            if key in visited:
                continue
            visited.append(key)
            for param in node.params:
                if param.location in groups:
                    groups[param.location].append(param)
            scopes = list(parent_scopes)
            for scope in node.own_oauth_scopes or ():
                if scope not in scopes:
                    scopes.append(scope)
            from zephyr.security.base import SecurityBase

            call: Any = node.call
            if not is_root and isinstance(call, SecurityBase):
                self.security.append((call, scopes))
            stack.extend((sub, scopes, False) for sub in reversed(node.dependencies))
        found = []
        for location, params in groups.items():
            for param in params:
                optional_model = param.model is not None and not param.field_info.is_required()
                for doc_field, external in _fields.flat_param_fields(param):
                    found.append((location, param, doc_field, external, optional_model))
        return found

    def fields(self) -> list[ModelField]:
        found: list[ModelField] = []
        if not self.route.include_in_schema:
            return found
        if self.body is not None:
            found.append(self.body)
        if self.response is not None:
            found.append(self.response)
        found.extend(self.extra_responses.values())
        if self.stream_item is not None:
            found.append(self.stream_item)
        for callback_docs in self.callbacks.values():
            found[:0] = callback_docs.fields()
        found.extend(doc_field for _, _, doc_field, _, _ in self.params)
        return found


class _Schemas:
    """Every schema of the document, generated by Pydantic in one pass."""

    def __init__(self, fields: list[ModelField], separate_input_output_schemas: bool) -> None:
        self.separate = separate_input_output_schemas
        generator = _JsonSchema(ref_template=REF_TEMPLATE)
        validation = [f for f in fields if f.mode == "validation"]
        serialization = [f for f in fields if f.mode == "serialization"]
        input_types = {f.field_info.annotation for f in fields}
        extra: list[ModelField] = []
        for mode, group in (("validation", validation), ("serialization", serialization)):
            for model in _fields.flat_models(group):
                if model not in input_types:
                    extra.append(ModelField(name=model.__name__, field_info=_fields._field_info(model), mode=mode))  # type: ignore[arg-type]
        inputs = [(f, self._mode(f), f.adapter.core_schema) for f in [*fields, *extra]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mapping, definitions = generator.generate_definitions(inputs=inputs)  # type: ignore[arg-type]
        for definition in definitions.values():
            if "description" in definition:
                definition["description"] = str(definition["description"]).split("\f")[0]
        self.mapping: dict[Any, dict[str, Any]] = dict(mapping)
        self.definitions: dict[str, Any] = {str(key): value for key, value in definitions.items()}

    def _mode(self, field: ModelField) -> str:
        if self.separate or _has_computed_fields(field):
            return field.mode
        return "validation"

    def schema(self, field: ModelField, alias: str | None = None) -> dict[str, Any]:
        if alias is None:
            alias = (
                (field.validation_alias or field.alias)
                if field.mode == "validation"
                else (field.serialization_alias or field.alias)
            )
        schema = dict(self.mapping[(field, self._mode(field))])
        if "$ref" not in schema:
            schema["title"] = field.field_info.title or alias.title().replace("_", " ")
        return schema


def _has_computed_fields(field: ModelField) -> bool:
    """Whether the field's type reaches a computed field: its schema then splits into ``-Input``/``-Output``.

    FastAPI looks through the type's arguments and the models' fields, at any depth (``list[Item]``, an envelope
    whose field is an item), and at a dataclass's own computed fields in its core schema.
    """
    if field.adapter.core_schema.get("schema", {}).get("computed_fields"):
        return True
    return _reaches_computed_fields(field.field_info.annotation, set())


def _reaches_computed_fields(annotation: Any, seen: set[Any]) -> bool:
    from pydantic import BaseModel

    if lenient_issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        if annotation.model_computed_fields:
            return True
        return any(_reaches_computed_fields(info.annotation, seen) for info in annotation.model_fields.values())
    return any(_reaches_computed_fields(arg, seen) for arg in get_args(annotation))


def _status_code(route: Any, response_class: Any) -> str:
    if route.status_code is not None:
        return str(route.status_code)
    parameter = inspect.signature(response_class.__init__).parameters.get("status_code")
    if parameter is not None and isinstance(parameter.default, int):
        return str(parameter.default)
    return "200"


def _operation_metadata(route: Any, operation_ids: set[str]) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    if route.tags:
        operation["tags"] = route.tags
    operation["summary"] = route.summary or route.name.replace("_", " ").title()
    if route.description:
        operation["description"] = route.description
    operation_id = route.operation_id or route.unique_id
    if operation_id in operation_ids:
        name = getattr(route.endpoint, "__name__", "<unnamed_endpoint>")
        message = f"Duplicate Operation ID {operation_id} for function {name}"
        file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
        if file_name:
            message += f" at {file_name}"
        warnings.warn(message, stacklevel=1)
    operation_ids.add(operation_id)
    operation["operationId"] = operation_id
    if route.deprecated:
        operation["deprecated"] = route.deprecated
    return operation


def _parameters(docs: _RouteDocs, schemas: _Schemas) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for location, param, doc_field, external, optional_model in docs.params:
        if not getattr(param.field_info, "include_in_schema", True):
            continue
        info = doc_field.field_info
        source = param.field_info if param.model is None else info
        parameter: dict[str, Any] = {
            "name": external,
            "in": location,
            "required": info.is_required() and not optional_model,
            "schema": schemas.schema(doc_field, alias=external if param.model is None else None),
        }
        if info.description:
            parameter["description"] = info.description
        openapi_examples = getattr(source, "openapi_examples", None)
        example = getattr(source, "example", None)
        from pydantic_core import PydanticUndefined

        if openapi_examples:
            parameter["examples"] = jsonable_encoder(openapi_examples)
        elif example is not None and example is not PydanticUndefined:
            parameter["example"] = jsonable_encoder(example)
        if getattr(info, "deprecated", None):
            parameter["deprecated"] = True
        parameters.append(parameter)
    return parameters


def _request_body(docs: _RouteDocs, schemas: _Schemas) -> dict[str, Any] | None:
    body = docs.body
    if body is None:
        return None
    info = body.field_info
    source = body.source or info
    content: dict[str, Any] = {"schema": schemas.schema(body)}
    from pydantic_core import PydanticUndefined

    openapi_examples = getattr(source, "openapi_examples", None)
    example = getattr(source, "example", PydanticUndefined)
    if openapi_examples:
        content["examples"] = jsonable_encoder(openapi_examples)
    elif example is not PydanticUndefined:
        content["example"] = jsonable_encoder(example)
    request_body: dict[str, Any] = {}
    if info.is_required():
        request_body["required"] = True
    request_body["content"] = {getattr(source, "media_type", "application/json"): content}
    return request_body


def _main_response(docs: _RouteDocs, schemas: _Schemas, operation: dict[str, Any]) -> None:
    route = docs.route
    from zephyr.responses import JSONResponse

    status_code = _status_code(route, docs.response_class)
    responses = operation.setdefault("responses", {})
    responses.setdefault(status_code, {})["description"] = route.response_description
    if not _body_allowed(route.status_code):
        return
    content = responses[status_code]
    if route.is_stream:
        from zephyr.sse import EventSourceResponse

        if lenient_issubclass(docs.response_class, EventSourceResponse):
            item_schema = copy.deepcopy(_SSE_EVENT_SCHEMA)
            if docs.stream_item is not None:
                item_schema["required"] = ["data"]
                item_schema["properties"]["data"] = {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": schemas.schema(docs.stream_item),
                }
            content.setdefault("content", {})["text/event-stream"] = {"itemSchema": item_schema}
            return
        if docs.default_class:
            item = schemas.schema(docs.stream_item) if docs.stream_item is not None else {}
            content.setdefault("content", {})["application/jsonl"] = {"itemSchema": item}
            return
    media_type = docs.response_class.media_type
    if media_type:
        schema: dict[str, Any] = {"type": "string"}
        if lenient_issubclass(docs.response_class, JSONResponse) or is_starlette_json_response_class(
            docs.response_class
        ):
            schema = schemas.schema(docs.response) if docs.response is not None else {}
        content.setdefault("content", {}).setdefault(media_type, {})["schema"] = schema


def _extra_responses(docs: _RouteDocs, schemas: _Schemas, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code, response in docs.responses.items():
        process = copy.deepcopy(response)
        process.pop("model", None)
        key = str(code).upper()
        if key == "DEFAULT":
            key = "default"
        target = responses.setdefault(key, {})
        doc_field = docs.extra_responses.get(code)
        if doc_field is not None:
            media_type = docs.response_class.media_type or "application/json"
            schema = process.setdefault("content", {}).setdefault(media_type, {}).setdefault("schema", {})
            _deep_update(schema, schemas.schema(doc_field))
        status_text = _STATUS_RANGES.get(str(code).upper())
        if status_text is None:
            try:
                status_text = http.client.responses.get(int(code))
            except ValueError:
                raise ValueError(
                    f"{code!r} in a route's responses is not a status code: use an HTTP status code (404 or '404'),"
                    " a range ('4XX') or 'default'"
                ) from None
        description = process.get("description") or target.get("description") or status_text or "Additional Response"
        _deep_update(target, process)
        target["description"] = description


def get_openapi_path(  # noqa: C901 - one operation's sections, in FastAPI's order
    *, route: Any, operation_ids: set[str], schemas: _Schemas, docs: _RouteDocs | None = None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The path item of one route, the security schemes it uses and the definitions it adds."""
    path: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    definitions: dict[str, Any] = {}
    if not route.include_in_schema:
        return path, security_schemes, definitions
    docs = docs or _RouteDocs(route)
    for method in route.methods:
        operation = _operation_metadata(route, operation_ids)
        requirements: dict[str, list[str]] = {}
        for scheme, scopes in docs.security:
            security_schemes[scheme.scheme_name] = jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
            merged = requirements.setdefault(scheme.scheme_name, [])
            merged.extend(scope for scope in scopes if scope not in merged)
        if requirements:
            operation.setdefault("security", []).extend({name: scopes} for name, scopes in requirements.items())
        parameters = _parameters(docs, schemas)
        if parameters:
            unique = {(p["in"], p["name"]): p for p in parameters}
            unique.update({(p["in"], p["name"]): p for p in parameters if p.get("required")})
            operation["parameters"] = list(unique.values())
        if method in METHODS_WITH_BODY:
            request_body = _request_body(docs, schemas)
            if request_body:
                operation["requestBody"] = request_body
        if route.callbacks:
            callbacks = {}
            for callback in route.callbacks:
                if hasattr(callback, "full_dependant"):
                    cb_path, _, _ = get_openapi_path(
                        route=callback,
                        operation_ids=operation_ids,
                        schemas=schemas,
                        docs=docs.callbacks.get(id(callback)),
                    )
                    callbacks[callback.name] = {callback.path: cb_path}
            operation["callbacks"] = callbacks
        _main_response(docs, schemas, operation)
        if docs.responses:
            _extra_responses(docs, schemas, operation)
        if (docs.params or docs.body is not None) and not any(
            status in operation["responses"] for status in ("422", "4XX", "default")
        ):
            operation["responses"]["422"] = {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}},
            }
            definitions.setdefault("ValidationError", validation_error_definition)
            definitions.setdefault("HTTPValidationError", validation_error_response_definition)
        if route.openapi_extra:
            _deep_update(operation, route.openapi_extra)
        path[method.lower()] = operation
    return path, security_schemes, definitions


def _api_routes(routes: Sequence[Any]) -> list[Any]:
    return [route for route in expand_routes(routes) if hasattr(route, "full_dependant") and hasattr(route, "methods")]


def get_openapi(  # noqa: C901 - assembles the document's sections in FastAPI's order
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the OpenAPI document for ``routes`` (and ``webhooks``), as a JSON-ready dict."""
    info: dict[str, Any] = {"title": title, "version": version}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = contact
    if license_info:
        info["license"] = license_info
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers
    api_routes = _api_routes(routes)
    api_webhooks = _api_routes(webhooks or [])
    docs = {id(route): _RouteDocs(route) for route in [*api_routes, *api_webhooks]}
    fields = [f for route in [*api_routes, *api_webhooks] for f in docs[id(route)].fields()]
    schemas = _Schemas(fields, separate_input_output_schemas)
    definitions = dict(schemas.definitions)
    components: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    sections: list[tuple[list[Any], dict[str, dict[str, Any]]]] = [(api_routes, {}), (api_webhooks, {})]
    for group, target in sections:
        for route in group:
            path, security_schemes, path_definitions = get_openapi_path(
                route=route, operation_ids=operation_ids, schemas=schemas, docs=docs[id(route)]
            )
            if path:
                target.setdefault(route.path_format, {}).update(path)
            if security_schemes:
                components.setdefault("securitySchemes", {}).update(security_schemes)
            definitions.update(path_definitions)
    if definitions:
        components["schemas"] = {key: definitions[key] for key in sorted(definitions)}
    if components:
        output["components"] = components
    output["paths"] = sections[0][1]
    if sections[1][1]:
        output["webhooks"] = sections[1][1]
    if tags:
        output["tags"] = tags
    if external_docs:
        output["externalDocs"] = external_docs
    document: dict[str, Any] = jsonable_encoder(OpenAPI(**output), by_alias=True, exclude_none=True)
    return document
