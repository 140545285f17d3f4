"""Validate request values already read, for a list of fields (FastAPI's ``request_params_to_args`` and co.).

These are ``request_params_to_args`` and ``request_body_to_args`` of ``zephyr.dependencies.utils``. Libraries and
tests call them with what a request holds (query parameters, headers, cookies, path parameters, a parsed form or
JSON body) as Starlette's or Zephyr's structures or as plain mappings. Zephyr's own routes never come here: their
compiled plan reads the ASGI scope directly (``inputs.extract``), so nothing in this module costs a route anything.

What was received is read once, into the values sent under each name (:class:`_Received`); every field, parameter
model and extra value is then looked up there. The cost is linear in what was received, never the product of the
fields and the values.
"""

from __future__ import annotations

import copy
from collections.abc import Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined

from zephyr._compile.form_input import file_bytes
from zephyr._compile.plan import FormRead, _embed_body, form_read, grouped_members
from zephyr._compile.typing_utils import strip_annotated
from zephyr._interop.starlette import is_starlette_upload
from zephyr.datastructures import UploadFile

if TYPE_CHECKING:
    from collections.abc import Sequence

    from zephyr._compile.dependant import ParamField

__all__ = ("body_to_args", "params_to_args")

_MISSING: Any = PydanticUndefined

Errors = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Received:
    """What a request sent, by name, read in one pass.

    ``values`` holds, when ``multi``, the list of every value sent under a name (in order); otherwise the mapping's
    own value, as it is. Header names are lower-case (headers are matched case-insensitively). In a ``form``, an
    empty string or an empty file input counts as not sent, as browsers send them for fields left blank.
    """

    values: dict[str, Any]
    multi: bool
    headers: bool
    form: bool

    def key(self, name: str) -> str:
        return name.lower() if self.headers else name

    def has(self, name: str) -> bool:
        return self.key(name) in self.values

    def value(self, name: str, is_sequence: bool) -> Any:
        """The value of ``name`` as a field reads it, or ``_MISSING`` when it was not sent (or sent empty).

        A sequence field gets every value sent; another field the first header, or the last query or form value.
        """
        sent = self.values.get(self.key(name), _MISSING)
        if sent is _MISSING:
            return _MISSING
        if not self.multi:  # a plain mapping's value is the field's input as it is
            if sent is None or (is_sequence and isinstance(sent, Sized) and not len(sent)):
                return _MISSING
            return sent
        if is_sequence:
            found = [item for item in sent if not _empty_file(item)] if self.form else list(sent)
            return found if found else _MISSING
        value = sent[0] if self.headers else sent[-1]
        if value is None or (self.form and ((isinstance(value, str) and not value) or _empty_file(value))):
            return _MISSING
        return value

    def grouped(self, skipped: set[str]) -> dict[str, Any]:
        """The values of every name not in ``skipped``: one value, or the list of a name sent several times."""
        if not self.multi:
            return {name: value for name, value in self.values.items() if name not in skipped}
        return {
            name: sent[0] if len(sent) == 1 else list(sent) for name, sent in self.values.items() if name not in skipped
        }


def _received(received: Any, *, form: bool = False) -> _Received:
    """Read ``received`` once: headers by their raw pairs, multi-dicts by ``multi_items()``, others by ``items()``."""
    if received is None:
        return _Received({}, multi=True, headers=False, form=form)
    raw = getattr(received, "raw", None)
    if isinstance(raw, list) and hasattr(received, "getlist"):  # Starlette's or Zephyr's Headers
        headers: dict[str, list[str]] = {}
        for name, value in raw:
            headers.setdefault(_text(name).lower(), []).append(_text(value))
        return _Received(headers, multi=True, headers=True, form=False)
    multi_items = getattr(received, "multi_items", None)
    if callable(multi_items):  # QueryParams, MultiDict, FormData (Starlette's or Zephyr's)
        grouped: dict[str, list[Any]] = {}
        for name, value in multi_items():
            grouped.setdefault(name, []).append(value)
        return _Received(grouped, multi=True, headers=False, form=form)
    return _Received(dict(received.items()), multi=False, headers=False, form=False)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _is_upload(value: Any) -> bool:
    return isinstance(value, UploadFile) or (not isinstance(value, str) and is_starlette_upload(value))


def _empty_file(value: Any) -> bool:
    """A browser's file input left empty (no file name, no content): it counts as not sent, as in FastAPI."""
    return _is_upload(value) and value.filename == "" and value.size == 0


def _missing(loc: tuple[Any, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def _validated(field: ParamField, value: Any, loc: tuple[Any, ...]) -> tuple[Any, Errors]:
    """Validate a value read for ``field``; one not sent takes the default (validated when the field asks)."""
    if value is _MISSING:
        info = field.field_info
        if info.is_required():
            return None, [_missing(loc)]
        value = copy.deepcopy(info.get_default(call_default_factory=True))
        if not info.validate_default:
            return value, []
    return field.validate(value, loc=loc)


def params_to_args(fields: Sequence[ParamField], received: Any) -> tuple[dict[str, Any], Errors]:
    """Validate path, query, header or cookie ``fields`` from ``received``: ``(values by parameter name, errors)``.

    ``received`` is what the request holds for their location: ``Headers``, ``QueryParams`` or another multi-dict
    (a name sent several times gives a list to a sequence field), or a plain mapping (its values taken as they are).
    Headers are matched case-insensitively, and a header model's fields are read with underscores converted to
    hyphens. A parameter model also receives every value none of its fields reads, for its ``extra`` policy.
    """
    values: dict[str, Any] = {}
    errors: Errors = []
    if not fields:
        return values, errors
    view = _received(received)
    for field in fields:
        if field.model is not None:
            value, field_errors = _param_model(field, view)
        else:
            names = field.choices or (field.alias,)
            name = next((choice for choice in names if view.has(choice)), names[0])
            value, field_errors = _validated(field, view.value(name, field.is_sequence), (field.location, name))
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = value
    return values, errors


def _param_model(field: ParamField, view: _Received) -> tuple[Any, Errors]:
    """Read and validate a query/header/cookie parameter model: its fields by their names, then every other value."""
    model = field.model
    groups = grouped_members(field, convert_underscores=view.headers) or ()
    found: dict[str, Any] = {}
    processed: set[str] = set()
    renamed: dict[str, str] = {}  # input key -> the header name its errors report
    for names in groups:
        if view.headers:  # a field's unconverted name (``x_token``) is no extra header
            processed.update(input_key.lower() for external, input_key, _ in names if input_key != external)
        external, input_key, is_sequence = next((entry for entry in names if view.has(entry[0])), names[0])
        processed.add(view.key(external))
        value = view.value(external, is_sequence)
        if value is not _MISSING:
            found[input_key] = value
        if view.headers and external != input_key:
            renamed[input_key] = external
    found.update(view.grouped(processed))
    selected: Any = found
    if strip_annotated(field.annotation) is not model:  # ``Model | None``: only when the request sends some of it
        own = {view.key(external) for names in groups for external, _, _ in names}
        if own.isdisjoint(view.values) and not (model.model_config.get("extra") in ("allow", "forbid") and found):
            selected = _MISSING
    value, errors = _validated(field, selected, (field.location,))
    if renamed and model.model_config.get("loc_by_alias", True):
        for error in errors:
            loc = error["loc"]
            if len(loc) > 1 and loc[1] in renamed:
                error["loc"] = (loc[0], renamed[loc[1]], *loc[2:])
    return value, errors


async def body_to_args(
    fields: list[ParamField], received: Any, embed_body_fields: bool
) -> tuple[dict[str, Any], Errors]:
    """Validate body ``fields`` from a parsed body: ``(values by parameter name, errors)``.

    ``received`` is a form (``FormData``, anything with ``multi_items()``), a parsed JSON body, raw ``bytes`` (no
    JSON: embedded fields take their defaults) or ``None`` (no body). One field that is the whole body validates
    all of it, with errors under ``("body", ...)``; otherwise (several fields, ``embed_body_fields``, ``embed=True``,
    form fields) each field reads its own name. Form models and unions of them read the whole form; files are
    passed on untouched, except to ``bytes`` fields, which receive their content.
    """
    values: dict[str, Any] = {}
    errors: Errors = []
    if not fields:
        return values, errors
    first = fields[0]
    view = _received(received, form=True) if callable(getattr(received, "multi_items", None)) else None
    reads = [form_read(field) for field in fields] if view is not None else []
    body = received
    chosen: dict[str, tuple[str, Any]] = {}  # form field name -> (name read, value)
    if view is not None:
        body = await _form_fields(view, [read for read in reads if not read.group], chosen)
    if len(fields) == 1 and not embed_body_fields and not _embed_body(fields) and not (reads and reads[0].group):
        value, errors = _validated(first, body, ("body",))
        return {first.name: value}, errors
    for index, field in enumerate(fields):
        names = field.choices or (field.alias,)
        loc: tuple[Any, ...] = ("body", names[0])
        value = _MISSING
        if view is not None and reads[index].group:
            value, loc = _form_group(view, reads[index]), ("body",)
        elif view is not None:
            name, value = chosen.get(field.name, (names[0], _MISSING))
            loc = ("body", name)
        elif not isinstance(body, (bytes, bytearray)):  # raw bytes: the body was no JSON, fields are unset
            lookup = getattr(body, "get", None)
            if not callable(lookup):  # embedded fields need an object: null, a list or a scalar has none of them
                errors.append(_missing(loc))
                continue
            for name in names:
                value = lookup(name, _MISSING)
                if value is not _MISSING:
                    loc = ("body", name)
                    break
        value, field_errors = _validated(field, value, loc)
        if field_errors:
            errors.extend(field_errors)
        else:
            values[field.name] = value
    return values, errors


async def _form_fields(view: _Received, reads: list[FormRead], chosen: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """The form's values for its plain fields (each under the first of its names sent), then every other value.

    ``chosen`` receives, per field name, the name read and the value (``bytes`` fields get the files' content).
    """
    body: dict[str, Any] = {}
    tried: set[str] = set()
    for read in reads:
        field = read.field
        for name in field.choices or (field.alias,):
            tried.add(name)
            value = view.value(name, field.is_sequence)
            if value is _MISSING:
                continue
            if read.reads_bytes:
                value = await _contents(value)
            body[name] = value
            chosen[field.name] = (name, value)
            break  # the names after it stay extra values, for other fields or the model's extra policy
    if reads:
        body.update(view.grouped(tried))
    return body


async def _contents(value: Any) -> Any:
    """A ``bytes`` file field's input: each upload's content, its position left where it was."""
    if _is_upload(value):
        return await file_bytes(value)
    if isinstance(value, list):
        return [await file_bytes(item) if _is_upload(item) else item for item in value]
    return value


def _form_group(view: _Received, read: FormRead) -> Any:
    """A form model's input (its fields, then every other value), the whole form for a union of models.

    ``_MISSING`` for an optional group (``Model | None``) the form holds nothing of: then its default applies.
    """
    if read.optional and read.names.isdisjoint(view.values) and not (read.open_extra and view.values):
        return _MISSING
    if read.field.form_union:  # each model of the union picks its own fields from it (``forms.with_form_normalizers``)
        return view.grouped(set())
    found: dict[str, Any] = {}
    tried: set[str] = set()
    for names in read.members or ():
        for external, input_key, is_sequence in names:
            tried.add(external)
            value = view.value(external, is_sequence)
            if value is not _MISSING:
                found[input_key] = value
                break  # the names after it stay extra values, as in FastAPI
    found.update(view.grouped(tried))
    return found
