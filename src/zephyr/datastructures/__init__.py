"""Data structures shared by requests, responses and the app: URLs, headers, query strings, forms, uploads, state.

They behave as Starlette's classes of the same names, so code written against ``fastapi.datastructures`` or
``starlette.datastructures`` runs unchanged. Everything here is a thin, lazy view: ``Headers`` decodes only the key
asked for, ``URL`` splits its string only when a component is read.

Example:
    ```python
    url = URL("https://example.org/items?page=2")
    url.replace_query_params(page=3)  # URL('https://example.org/items?page=3')
    Headers({"Content-Type": "text/plain"})["content-type"]  # 'text/plain'
    ```
"""

from __future__ import annotations

from zephyr.datastructures.defaults import Default as Default
from zephyr.datastructures.defaults import DefaultPlaceholder as DefaultPlaceholder
from zephyr.datastructures.defaults import DefaultType as DefaultType
from zephyr.datastructures.headers import Headers as Headers
from zephyr.datastructures.headers import MutableHeaders as MutableHeaders
from zephyr.datastructures.multidicts import ImmutableMultiDict as ImmutableMultiDict
from zephyr.datastructures.multidicts import MultiDict as MultiDict
from zephyr.datastructures.multidicts import QueryParams as QueryParams
from zephyr.datastructures.settings import CommaSeparatedStrings as CommaSeparatedStrings
from zephyr.datastructures.settings import Secret as Secret
from zephyr.datastructures.state import State as State
from zephyr.datastructures.uploads import FormData as FormData
from zephyr.datastructures.uploads import UploadFile as UploadFile
from zephyr.datastructures.urls import URL as URL
from zephyr.datastructures.urls import Address as Address
from zephyr.datastructures.urls import URLPath as URLPath

__all__ = (
    "Address",
    "CommaSeparatedStrings",
    "Default",
    "DefaultPlaceholder",
    "DefaultType",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "Secret",
    "State",
    "URL",
    "URLPath",
    "UploadFile",
)
