"""FastAPI's ``fastapi._compat``, for ``install_as_fastapi()``: its Pydantic glue, as libraries import it.

Apps, test suites and libraries written for FastAPI import from ``fastapi._compat`` the Pydantic version, the
"no default" marker, ``ModelField`` and a few annotation predicates. With the switch, ``fastapi._compat`` is this
package: ``shared`` holds the predicates, ``v2`` the field and its schema functions. Zephyr's own code does not
import it.
"""

from __future__ import annotations

from pydantic_core import PydanticUndefinedType

from zephyr._compat.shared import PYDANTIC_VERSION as PYDANTIC_VERSION
from zephyr._compat.shared import PYDANTIC_VERSION_MINOR_TUPLE as PYDANTIC_VERSION_MINOR_TUPLE
from zephyr._compat.shared import annotation_is_pydantic_v1 as annotation_is_pydantic_v1
from zephyr._compat.shared import field_annotation_is_scalar as field_annotation_is_scalar
from zephyr._compat.shared import field_annotation_is_scalar_sequence as field_annotation_is_scalar_sequence
from zephyr._compat.shared import field_annotation_is_sequence as field_annotation_is_sequence
from zephyr._compat.shared import is_bytes_or_nonable_bytes_annotation as is_bytes_or_nonable_bytes_annotation
from zephyr._compat.shared import is_bytes_sequence_annotation as is_bytes_sequence_annotation
from zephyr._compat.shared import is_pydantic_v1_model_instance as is_pydantic_v1_model_instance
from zephyr._compat.shared import (
    is_uploadfile_or_nonable_uploadfile_annotation as is_uploadfile_or_nonable_uploadfile_annotation,
)
from zephyr._compat.shared import is_uploadfile_sequence_annotation as is_uploadfile_sequence_annotation
from zephyr._compat.shared import lenient_issubclass as lenient_issubclass
from zephyr._compat.shared import sequence_types as sequence_types
from zephyr._compat.shared import value_is_sequence as value_is_sequence
from zephyr._compat.v2 import ModelField as ModelField
from zephyr._compat.v2 import PydanticSchemaGenerationError as PydanticSchemaGenerationError
from zephyr._compat.v2 import RequiredParam as RequiredParam
from zephyr._compat.v2 import Undefined as Undefined
from zephyr._compat.v2 import Url as Url
from zephyr._compat.v2 import copy_field_info as copy_field_info
from zephyr._compat.v2 import create_body_model as create_body_model
from zephyr._compat.v2 import evaluate_forwardref as evaluate_forwardref
from zephyr._compat.v2 import get_cached_model_fields as get_cached_model_fields
from zephyr._compat.v2 import get_definitions as get_definitions
from zephyr._compat.v2 import get_flat_models_from_fields as get_flat_models_from_fields
from zephyr._compat.v2 import get_missing_field_error as get_missing_field_error
from zephyr._compat.v2 import get_model_name_map as get_model_name_map
from zephyr._compat.v2 import get_schema_from_model_field as get_schema_from_model_field
from zephyr._compat.v2 import is_scalar_field as is_scalar_field
from zephyr._compat.v2 import serialize_sequence_value as serialize_sequence_value
from zephyr._compat.v2 import with_info_plain_validator_function as with_info_plain_validator_function

__all__ = (
    "ModelField",
    "PYDANTIC_V2",
    "PYDANTIC_VERSION",
    "PYDANTIC_VERSION_MINOR_TUPLE",
    "PydanticSchemaGenerationError",
    "RequiredParam",
    "Undefined",
    "UndefinedType",
    "Url",
    "annotation_is_pydantic_v1",
    "copy_field_info",
    "create_body_model",
    "evaluate_forwardref",
    "field_annotation_is_scalar",
    "field_annotation_is_scalar_sequence",
    "field_annotation_is_sequence",
    "get_cached_model_fields",
    "get_definitions",
    "get_flat_models_from_fields",
    "get_missing_field_error",
    "get_model_name_map",
    "get_schema_from_model_field",
    "is_bytes_or_nonable_bytes_annotation",
    "is_bytes_sequence_annotation",
    "is_pydantic_v1_model_instance",
    "is_scalar_field",
    "is_uploadfile_or_nonable_uploadfile_annotation",
    "is_uploadfile_sequence_annotation",
    "lenient_issubclass",
    "sequence_types",
    "serialize_sequence_value",
    "value_is_sequence",
    "with_info_plain_validator_function",
)

#: Always true: Zephyr (like FastAPI >= 0.126) supports Pydantic 2 only.
PYDANTIC_V2 = True
UndefinedType = PydanticUndefinedType
