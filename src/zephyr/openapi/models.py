"""Pydantic models of an OpenAPI 3.1 document.

The class and field names are those of ``fastapi.openapi.models``, so code that builds or edits a schema with them
runs unchanged. Field names follow the specification's camelCase; names that clash with Python keywords or that
start with ``$`` carry a trailing underscore or a plain name and an alias (``in_`` -> ``in``, ``schema_`` ->
``schema``, ``ref`` -> ``$ref``, ``not_`` -> ``not``). Every object except ``Reference`` and ``Discriminator`` keeps
unknown fields, so specification extensions (``x-...``) survive a round trip.

Dump a document the way it is served with ``model.model_dump(by_alias=True, exclude_none=True)``.

Example:
    ```python
    from zephyr.openapi.models import Info, OpenAPI

    doc = OpenAPI(openapi="3.1.0", info=Info(title="Shop", version="1.0.0"), paths={})
    doc.model_dump(by_alias=True, exclude_none=True)
    ```
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal, Union

from pydantic import AnyUrl, BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

__all__ = (
    "APIKey",
    "APIKeyIn",
    "BaseModelWithConfig",
    "Components",
    "Contact",
    "Discriminator",
    "Encoding",
    "Example",
    "ExternalDocumentation",
    "HTTPBase",
    "HTTPBearer",
    "Header",
    "Info",
    "License",
    "Link",
    "MediaType",
    "OAuth2",
    "OAuthFlow",
    "OAuthFlowAuthorizationCode",
    "OAuthFlowClientCredentials",
    "OAuthFlowImplicit",
    "OAuthFlowPassword",
    "OAuthFlows",
    "OpenAPI",
    "OpenIdConnect",
    "Operation",
    "Parameter",
    "ParameterBase",
    "ParameterInType",
    "PathItem",
    "Reference",
    "RequestBody",
    "Response",
    "Schema",
    "SchemaOrBool",
    "SchemaType",
    "SecurityBase",
    "SecurityScheme",
    "SecuritySchemeType",
    "Server",
    "ServerVariable",
    "Tag",
    "XML",
)


class BaseModelWithConfig(BaseModel):
    """Base of the OpenAPI objects: unknown fields (such as ``x-`` extensions) are kept."""

    model_config = ConfigDict(extra="allow")


class Contact(BaseModelWithConfig):
    """Contact information for the API (``info.contact``)."""

    name: str | None = None
    url: AnyUrl | None = None
    email: str | None = None


class License(BaseModelWithConfig):
    """License of the API (``info.license``): an SPDX ``identifier`` or a ``url``."""

    name: str
    identifier: str | None = None
    url: AnyUrl | None = None


class Info(BaseModelWithConfig):
    """Metadata about the API: title, version, description, contact, license."""

    title: str
    summary: str | None = None
    description: str | None = None
    termsOfService: str | None = None  # noqa: N815 - the specification's name
    contact: Contact | None = None
    license: License | None = None
    version: str


class ServerVariable(BaseModelWithConfig):
    """A variable in a server URL template."""

    enum: list[str] | None = Field(default=None, min_length=1)
    default: str
    description: str | None = None


class Server(BaseModelWithConfig):
    """A server that hosts the API; ``url`` may be relative or contain ``{variables}``."""

    url: AnyUrl | str
    description: str | None = None
    variables: dict[str, ServerVariable] | None = None


class Reference(BaseModel):
    """A ``{"$ref": "..."}`` pointer to another part of the document."""

    ref: str = Field(alias="$ref")


class Discriminator(BaseModel):
    """Which property tells the members of a ``oneOf``/``anyOf`` apart."""

    propertyName: str  # noqa: N815 - the specification's name
    mapping: dict[str, str] | None = None


class XML(BaseModelWithConfig):
    """How a schema is represented in XML."""

    name: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    attribute: bool | None = None
    wrapped: bool | None = None


class ExternalDocumentation(BaseModelWithConfig):
    """A link to documentation outside the document."""

    description: str | None = None
    url: AnyUrl


SchemaType = Literal["array", "boolean", "integer", "null", "number", "object", "string"]
"""The primitive types of JSON Schema 2020-12."""


class Schema(BaseModelWithConfig):
    """A JSON Schema 2020-12 object, with the OpenAPI 3.1 additions (``discriminator``, ``xml``, ``externalDocs``).

    Keywords are grouped as in the JSON Schema specification: core, applicators, validation, format, content,
    metadata. ``example`` is deprecated by OpenAPI 3.1 in favour of ``examples`` but still accepted.
    """

    # core vocabulary
    schema_: str | None = Field(default=None, alias="$schema")
    vocabulary: str | None = Field(default=None, alias="$vocabulary")
    id: str | None = Field(default=None, alias="$id")
    anchor: str | None = Field(default=None, alias="$anchor")
    dynamicAnchor: str | None = Field(default=None, alias="$dynamicAnchor")  # noqa: N815
    ref: str | None = Field(default=None, alias="$ref")
    dynamicRef: str | None = Field(default=None, alias="$dynamicRef")  # noqa: N815
    defs: dict[str, SchemaOrBool] | None = Field(default=None, alias="$defs")
    comment: str | None = Field(default=None, alias="$comment")
    # applicators
    allOf: list[SchemaOrBool] | None = None  # noqa: N815
    anyOf: list[SchemaOrBool] | None = None  # noqa: N815
    oneOf: list[SchemaOrBool] | None = None  # noqa: N815
    not_: SchemaOrBool | None = Field(default=None, alias="not")
    if_: SchemaOrBool | None = Field(default=None, alias="if")
    then: SchemaOrBool | None = None
    else_: SchemaOrBool | None = Field(default=None, alias="else")
    dependentSchemas: dict[str, SchemaOrBool] | None = None  # noqa: N815
    prefixItems: list[SchemaOrBool] | None = None  # noqa: N815
    items: SchemaOrBool | None = None
    contains: SchemaOrBool | None = None
    properties: dict[str, SchemaOrBool] | None = None
    patternProperties: dict[str, SchemaOrBool] | None = None  # noqa: N815
    additionalProperties: SchemaOrBool | None = None  # noqa: N815
    propertyNames: SchemaOrBool | None = None  # noqa: N815
    unevaluatedItems: SchemaOrBool | None = None  # noqa: N815
    unevaluatedProperties: SchemaOrBool | None = None  # noqa: N815
    # structural validation
    type: SchemaType | list[SchemaType] | None = None
    enum: list[Any] | None = None
    const: Any | None = None
    multipleOf: float | None = Field(default=None, gt=0)  # noqa: N815
    maximum: float | None = None
    exclusiveMaximum: float | None = None  # noqa: N815
    minimum: float | None = None
    exclusiveMinimum: float | None = None  # noqa: N815
    maxLength: int | None = Field(default=None, ge=0)  # noqa: N815
    minLength: int | None = Field(default=None, ge=0)  # noqa: N815
    pattern: str | None = None
    maxItems: int | None = Field(default=None, ge=0)  # noqa: N815
    minItems: int | None = Field(default=None, ge=0)  # noqa: N815
    uniqueItems: bool | None = None  # noqa: N815
    maxContains: int | None = Field(default=None, ge=0)  # noqa: N815
    minContains: int | None = Field(default=None, ge=0)  # noqa: N815
    maxProperties: int | None = Field(default=None, ge=0)  # noqa: N815
    minProperties: int | None = Field(default=None, ge=0)  # noqa: N815
    required: list[str] | None = None
    dependentRequired: dict[str, set[str]] | None = None  # noqa: N815
    # semantic format
    format: str | None = None
    # string-encoded content
    contentEncoding: str | None = None  # noqa: N815
    contentMediaType: str | None = None  # noqa: N815
    contentSchema: SchemaOrBool | None = None  # noqa: N815
    # metadata
    title: str | None = None
    description: str | None = None
    default: Any | None = None
    deprecated: bool | None = None
    readOnly: bool | None = None  # noqa: N815
    writeOnly: bool | None = None  # noqa: N815
    examples: list[Any] | None = None
    # OpenAPI 3.1 additions
    discriminator: Discriminator | None = None
    xml: XML | None = None
    externalDocs: ExternalDocumentation | None = None  # noqa: N815
    example: Any | None = None


# A JSON Schema is an object or a boolean (``true`` accepts everything, ``false`` nothing).
SchemaOrBool = Union[Schema, bool]


class Example(TypedDict, total=False):
    """An example value for a parameter, a media type or a schema."""

    summary: str | None
    description: str | None
    value: Any | None
    externalValue: AnyUrl | None

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]


class ParameterInType(Enum):
    """Where a parameter is read from."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class Encoding(BaseModelWithConfig):
    """How one property of a form or multipart body is encoded."""

    contentType: str | None = None  # noqa: N815
    headers: dict[str, Header | Reference] | None = None
    style: str | None = None
    explode: bool | None = None
    allowReserved: bool | None = None  # noqa: N815


class MediaType(BaseModelWithConfig):
    """The schema and examples of one content type of a body."""

    schema_: Schema | Reference | None = Field(default=None, alias="schema")
    example: Any | None = None
    examples: dict[str, Example | Reference] | None = None
    encoding: dict[str, Encoding] | None = None


class ParameterBase(BaseModelWithConfig):
    """Fields that ``Parameter`` and ``Header`` share."""

    description: str | None = None
    required: bool | None = None
    deprecated: bool | None = None
    style: str | None = None
    explode: bool | None = None
    allowReserved: bool | None = None  # noqa: N815
    schema_: Schema | Reference | None = Field(default=None, alias="schema")
    example: Any | None = None
    examples: dict[str, Example | Reference] | None = None
    content: dict[str, MediaType] | None = None


class Parameter(ParameterBase):
    """An operation parameter: its ``name`` and where it is read from (``in``)."""

    name: str
    in_: ParameterInType = Field(alias="in")


class Header(ParameterBase):
    """A response or encoding header (a parameter without ``name`` and ``in``)."""


class RequestBody(BaseModelWithConfig):
    """The body an operation accepts, by content type."""

    description: str | None = None
    content: dict[str, MediaType]
    required: bool | None = None


class Link(BaseModelWithConfig):
    """A design-time link from a response to another operation."""

    operationRef: str | None = None  # noqa: N815
    operationId: str | None = None  # noqa: N815
    parameters: dict[str, Any | str] | None = None
    requestBody: Any | str | None = None  # noqa: N815
    description: str | None = None
    server: Server | None = None


class Response(BaseModelWithConfig):
    """One documented response of an operation."""

    description: str
    headers: dict[str, Header | Reference] | None = None
    content: dict[str, MediaType] | None = None
    links: dict[str, Link | Reference] | None = None


class Operation(BaseModelWithConfig):
    """One HTTP method on one path."""

    tags: list[str] | None = None
    summary: str | None = None
    description: str | None = None
    externalDocs: ExternalDocumentation | None = None  # noqa: N815
    operationId: str | None = None  # noqa: N815
    parameters: list[Parameter | Reference] | None = None
    requestBody: RequestBody | Reference | None = None  # noqa: N815
    # ``Any`` lets specification extensions sit among the status codes
    responses: dict[str, Response | Any] | None = None
    callbacks: dict[str, dict[str, PathItem] | Reference] | None = None
    deprecated: bool | None = None
    security: list[dict[str, list[str]]] | None = None
    servers: list[Server] | None = None


class PathItem(BaseModelWithConfig):
    """The operations available on one path."""

    ref: str | None = Field(default=None, alias="$ref")
    summary: str | None = None
    description: str | None = None
    get: Operation | None = None
    put: Operation | None = None
    post: Operation | None = None
    delete: Operation | None = None
    options: Operation | None = None
    head: Operation | None = None
    patch: Operation | None = None
    trace: Operation | None = None
    servers: list[Server] | None = None
    parameters: list[Parameter | Reference] | None = None


class SecuritySchemeType(Enum):
    """The kinds of security scheme OpenAPI knows."""

    apiKey = "apiKey"  # noqa: N815
    http = "http"
    oauth2 = "oauth2"
    openIdConnect = "openIdConnect"  # noqa: N815


class SecurityBase(BaseModelWithConfig):
    """Fields every security scheme has: its ``type`` and a ``description``."""

    type_: SecuritySchemeType = Field(alias="type")
    description: str | None = None


class APIKeyIn(Enum):
    """Where an API key is sent."""

    query = "query"
    header = "header"
    cookie = "cookie"


class APIKey(SecurityBase):
    """An API key sent in a header, a query parameter or a cookie named ``name``."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.apiKey, alias="type")
    in_: APIKeyIn = Field(alias="in")
    name: str


class HTTPBase(SecurityBase):
    """An HTTP authentication scheme (``basic``, ``digest``, ...) in the ``Authorization`` header."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.http, alias="type")
    scheme: str


class HTTPBearer(HTTPBase):
    """HTTP ``bearer`` authentication, with an optional hint of the token format (``JWT``)."""

    scheme: Literal["bearer"] = "bearer"
    bearerFormat: str | None = None  # noqa: N815


class OAuthFlow(BaseModelWithConfig):
    """Fields every OAuth2 flow has."""

    refreshUrl: str | None = None  # noqa: N815
    scopes: dict[str, str] = Field(default_factory=dict)


class OAuthFlowImplicit(OAuthFlow):
    """The OAuth2 implicit flow."""

    authorizationUrl: str  # noqa: N815


class OAuthFlowPassword(OAuthFlow):
    """The OAuth2 resource-owner password flow."""

    tokenUrl: str  # noqa: N815


class OAuthFlowClientCredentials(OAuthFlow):
    """The OAuth2 client-credentials flow."""

    tokenUrl: str  # noqa: N815


class OAuthFlowAuthorizationCode(OAuthFlow):
    """The OAuth2 authorization-code flow."""

    authorizationUrl: str  # noqa: N815
    tokenUrl: str  # noqa: N815


class OAuthFlows(BaseModelWithConfig):
    """The OAuth2 flows a scheme supports."""

    implicit: OAuthFlowImplicit | None = None
    password: OAuthFlowPassword | None = None
    clientCredentials: OAuthFlowClientCredentials | None = None  # noqa: N815
    authorizationCode: OAuthFlowAuthorizationCode | None = None  # noqa: N815


class OAuth2(SecurityBase):
    """An OAuth2 security scheme."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.oauth2, alias="type")
    flows: OAuthFlows


class OpenIdConnect(SecurityBase):
    """An OpenID Connect discovery security scheme."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.openIdConnect, alias="type")
    openIdConnectUrl: str  # noqa: N815


SecurityScheme = Union[APIKey, HTTPBase, OAuth2, OpenIdConnect, HTTPBearer]


class Components(BaseModelWithConfig):
    """Reusable objects referred to from elsewhere in the document."""

    schemas: dict[str, Schema | Reference] | None = None
    responses: dict[str, Response | Reference] | None = None
    parameters: dict[str, Parameter | Reference] | None = None
    examples: dict[str, Example | Reference] | None = None
    requestBodies: dict[str, RequestBody | Reference] | None = None  # noqa: N815
    headers: dict[str, Header | Reference] | None = None
    securitySchemes: dict[str, SecurityScheme | Reference] | None = None  # noqa: N815
    links: dict[str, Link | Reference] | None = None
    # ``Any`` lets specification extensions sit among the callbacks
    callbacks: dict[str, dict[str, PathItem] | Reference | Any] | None = None
    pathItems: dict[str, PathItem | Reference] | None = None  # noqa: N815


class Tag(BaseModelWithConfig):
    """Metadata of a tag used by operations."""

    name: str
    description: str | None = None
    externalDocs: ExternalDocumentation | None = None  # noqa: N815


class OpenAPI(BaseModelWithConfig):
    """The root of an OpenAPI 3.1 document."""

    openapi: str
    info: Info
    jsonSchemaDialect: str | None = None  # noqa: N815
    servers: list[Server] | None = None
    # ``Any`` lets specification extensions sit among the paths
    paths: dict[str, PathItem | Any] | None = None
    webhooks: dict[str, PathItem | Reference] | None = None
    components: Components | None = None
    security: list[dict[str, list[str]]] | None = None
    tags: list[Tag] | None = None
    externalDocs: ExternalDocumentation | None = None  # noqa: N815


Schema.model_rebuild()
Encoding.model_rebuild()
Operation.model_rebuild()
