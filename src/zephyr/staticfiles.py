"""Serve files from a directory: ``StaticFiles`` (Starlette's, mounted with ``app.mount``) and ``SinglePageApp``.

Files go out through ``FileResponse`` (ranges, ``ETag``/``Last-Modified``, 304 Not Modified, HEAD). No request can
reach a file outside the served directories: the path is normalized, then resolved (symlinks included, unless
``follow_symlink=True``) and checked to lie inside the directory; ``..`` segments, percent-encoded dots and slashes
(servers decode them before the app sees the path), absolute paths and NUL bytes all end in 404.

Example:
    ```python
    from zephyr import FastAPI
    from zephyr.staticfiles import StaticFiles

    app = FastAPI()
    app.mount("/static", StaticFiles(directory="static"), name="static")
    ```
"""

from __future__ import annotations

import email.message
import errno
import importlib.util
import os
import stat
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import anyio.to_thread

from zephyr._routing.paths import route_path
from zephyr._stacklevel import user_stacklevel
from zephyr.datastructures import URL, Headers
from zephyr.exceptions import HTTPException
from zephyr.responses import FileResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from zephyr.types import Receive, Scope, Send

__all__ = ("SinglePageApp", "StaticFiles")

PathLike = str | os.PathLike[str]

_NOT_MODIFIED_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")


class StaticFiles:
    """An ASGI app serving the files of a directory (and/or of packages' ``statics`` directories).

    Only GET and HEAD are answered (405 with ``Allow: GET, HEAD`` otherwise); a missing file is a 404
    ``HTTPException``, rendered by the app's exception handlers. WebSocket connections are closed.

    Example:
        ```python
        app.mount("/static", StaticFiles(directory="static"), name="static")
        app.mount("/docs", StaticFiles(directory="site", html=True), name="site")
        app.mount("/assets", StaticFiles(packages=["mypkg", ("otherpkg", "public")]), name="assets")
        ```

    Args:
        directory: The directory to serve.
        packages: Packages whose ``statics`` directory is served too; ``(package, subdirectory)`` picks another
            directory name. Looked up in order after ``directory``.
        html: HTML mode: a directory URL serves its ``index.html`` (``/docs`` redirects to ``/docs/``), and a
            missing file serves ``404.html`` with status 404 when there is one.
        check_dir: Raise at construction when ``directory`` does not exist.
        follow_symlink: Serve files reached through symlinks pointing outside the directory.

    Raises:
        RuntimeError: ``directory`` does not exist (with ``check_dir``), or a package or its statics directory is
            not found.
    """

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.config_checked = False
        self.follow_symlink = follow_symlink
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(
                f"Directory '{directory}' does not exist (resolved: '{os.path.realpath(directory)}'). Create it, "
                "fix the path (relative paths start from the working directory), or pass check_dir=False."
            )

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        """The directories to serve from, in lookup order: ``directory``, then each package's statics directory.

        Raises:
            RuntimeError: A package cannot be imported or has no such directory.
        """
        directories: list[PathLike] = []
        if directory is not None:
            directories.append(directory)
        for package in packages or ():
            name, statics = package if isinstance(package, tuple) else (package, "statics")
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                raise RuntimeError(f"Package {name!r} could not be found: install it or fix the name in `packages`.")
            package_directory = os.path.normpath(os.path.join(spec.origin, "..", statics))
            if not os.path.isdir(package_directory):
                raise RuntimeError(
                    f"Directory {statics!r} in package {name!r} could not be found (looked for "
                    f"'{package_directory}'); pass (package, directory) to serve another directory."
                )
            directories.append(package_directory)
        return directories

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request (HTTP), or close the connection (WebSocket)."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        response = await self.get_response(self.get_path(scope), scope)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The requested file path, relative, with OS separators and ``.``/``..`` segments resolved."""
        return os.path.normpath(os.path.join(*route_path(scope).split("/")))

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The response for ``path``: the file, a directory's index, a redirect, or ``404.html``.

        Raises:
            HTTPException: 405 for a method other than GET/HEAD, 404 when nothing is found, 401 when the file
                cannot be read.
        """
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        full_path, stat_result = await self._lookup(path)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, scope)
        if stat_result is not None and stat.S_ISDIR(stat_result.st_mode) and self.html:
            full_path, stat_result = await self._lookup(os.path.join(path, "index.html"))
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                if not scope["path"].endswith("/"):
                    return _slash_redirect(scope)
                return self.file_response(full_path, stat_result, scope)
        if self.html:
            full_path, stat_result = await self._lookup("404.html")
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, status_code=404, stat_result=stat_result)
        raise HTTPException(status_code=404)

    async def _lookup(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            return await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(status_code=401) from None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise HTTPException(status_code=404) from None
            raise
        except ValueError:  # a NUL byte in the path
            raise HTTPException(status_code=404) from None

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The full path and ``stat`` of ``path`` in the first directory that has it, or ``("", None)``.

        A path that resolves outside a directory is never found in it.
        """
        if path.startswith(("/", "\\")) or "\0" in path:
            return "", None
        for directory in self.all_directories:
            joined = os.path.join(directory, path)
            if self.follow_symlink:
                full_path, root = os.path.abspath(joined), os.path.abspath(directory)
            else:
                full_path, root = os.path.realpath(joined), os.path.realpath(directory)
            if os.path.commonpath([full_path, root]) != root:
                continue
            try:
                return full_path, os.stat(full_path)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return "", None

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """A ``FileResponse`` for the file, or a 304 when the request's validators match it."""
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            kept = {name: value for name, value in response.headers.items() if name in _NOT_MODIFIED_HEADERS}
            return Response(status_code=304, headers=kept)
        return response

    async def check_config(self) -> None:
        """Check once, on the first request, that ``directory`` is a directory (it may be created after start-up).

        Raises:
            RuntimeError: ``directory`` does not exist or is not a directory.
        """
        if self.directory is None:
            return
        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, self.directory)
        except FileNotFoundError:
            raise RuntimeError(
                f"StaticFiles directory '{self.directory}' does not exist "
                f"(resolved: '{os.path.realpath(self.directory)}'). Create it or fix the path."
            ) from None
        if not (stat.S_ISDIR(stat_result.st_mode) or stat.S_ISLNK(stat_result.st_mode)):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory; pass a directory.")

    def is_not_modified(self, response_headers: Headers, request_headers: Headers) -> bool:
        """Whether the request's ``If-None-Match`` (or else ``If-Modified-Since``) matches the file."""
        if_none_match = request_headers.get("if-none-match")
        if if_none_match:
            if if_none_match.strip() == "*":
                return True
            etag = response_headers["etag"]
            return etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        if_modified_since = request_headers.get("if-modified-since")
        last_modified = response_headers.get("last-modified")
        if if_modified_since is None or last_modified is None:
            return False
        from email.utils import parsedate

        since, modified = parsedate(if_modified_since), parsedate(last_modified)
        return since is not None and modified is not None and since >= modified


def _slash_redirect(scope: Scope) -> Response:
    url = URL(scope=scope)
    return RedirectResponse(url=str(url.replace(path=url.path + "/")))


FallbackMode = Literal["auto", "index.html", "404.html"] | None


class SinglePageApp(StaticFiles):
    """Serve a built frontend (``npm run build`` output), with the fallbacks of FastAPI's ``app.frontend()``.

    ``Zephyr.frontend(...)`` mounts it after every other route, so API routes always win. For GET and HEAD:

    1. an existing file is served; a directory with an ``index.html`` is served (``/docs`` redirects to ``/docs/``);
    2. otherwise, with ``fallback="auto"``: ``404.html`` is served with status 404 when the build has one (static
       site generators such as Astro); else the index is served with status 200 to *page navigations* only, i.e.
       requests whose ``Accept`` header takes ``text/html`` or ``application/xhtml+xml`` (browsers loading a
       client-side route such as ``/dashboard/settings``). A missing asset (``/assets/app.js``, ``fetch`` calls)
       still gets a 404, so a broken build never answers a script request with HTML;
    3. ``fallback="index.html"`` or ``"404.html"`` picks one of the two rules (the file must exist); ``None``
       turns fallbacks off.

    Other methods get 405 when the path names a file, 404 otherwise.

    Example:
        ```python
        app.frontend("dist")  # serves dist/ at "/"
        ```

    Args:
        directory: The build output directory.
        index: The index file's name (``fallback="index.html"`` means this file).
        fallback: ``"auto"``, ``"index.html"``, ``"404.html"`` or ``None``, as above.
        check_dir: Check at construction that the directory (and a required fallback file) exist. ``"auto"``
            (FastAPI's default) checks, except when ``FASTAPI_ENV`` is ``"development"`` (set by ``fastapi dev``):
            then a missing directory only warns, so the server can start before the first frontend build.

    Raises:
        RuntimeError: With ``check_dir``, the directory or the required fallback file is missing.
    """

    def __init__(
        self,
        directory: PathLike,
        *,
        index: str = "index.html",
        fallback: FallbackMode = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        if fallback not in ("auto", "index.html", "404.html", None):
            raise ValueError(f"fallback must be 'auto', 'index.html', '404.html' or None; got {fallback!r}.")
        if check_dir == "auto":
            check_dir = _resolve_check_dir(directory)
        if check_dir and not os.path.isdir(directory):
            raise RuntimeError(
                f"Frontend directory '{directory}' does not exist. Resolved absolute path: "
                f"'{os.path.realpath(directory)}'. Build the frontend first or fix the path."
            )
        super().__init__(directory=directory, html=True, check_dir=check_dir, follow_symlink=False)
        self.index = index
        self.fallback = fallback
        if check_dir and fallback is not None and fallback != "auto":
            name = index if fallback == "index.html" else fallback
            if not self._is_file(name):
                raise RuntimeError(
                    f"Frontend fallback file '{name}' does not exist in directory '{directory}'. Resolved "
                    f"absolute directory: '{os.path.realpath(directory)}'. Add it or pick another fallback."
                )

    def get_path(self, scope: Scope) -> str:
        """The requested file path: under ``frontend()``, the part of the path after the frontend's prefix."""
        served: str | None = scope.get("zephyr.frontend_path")
        if served is None:
            return super().get_path(scope)
        return os.path.normpath(os.path.join(*served.split("/")))

    def _is_file(self, name: str) -> bool:
        _, stat_result = self.lookup_path(name)
        return stat_result is not None and stat.S_ISREG(stat_result.st_mode)

    async def _resource(self, path: str) -> tuple[str, os.stat_result, bool] | None:
        """The file for ``path`` (or its directory's index), and whether it is a directory index."""
        full_path, stat_result = await self._lookup(path)
        if stat_result is None:
            return None
        if stat.S_ISREG(stat_result.st_mode):
            return full_path, stat_result, False
        if stat.S_ISDIR(stat_result.st_mode):
            full_path, stat_result = await self._lookup(os.path.join(path, self.index))
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return full_path, stat_result, True
        return None

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file, a directory index, a redirect, or the fallback page (see the class docstring).

        Raises:
            HTTPException: 405 for another method on an existing file, 404 when nothing is served.
        """
        resource = await self._resource(path)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405 if resource is not None else 404)
        if resource is not None:
            full_path, stat_result, is_index = resource
            if is_index and not scope["path"].endswith("/"):
                return _slash_redirect(scope)
            return self.file_response(full_path, stat_result, scope)
        fallback = self.fallback
        if fallback == "404.html" or (fallback == "auto" and await self._exists("404.html")):
            return await self._fallback("404.html", scope, 404)
        if (fallback == "index.html" or (fallback == "auto" and await self._exists(self.index))) and _navigation(scope):
            return await self._fallback(self.index, scope, 200)
        raise HTTPException(status_code=404)

    async def _exists(self, name: str) -> bool:
        return await anyio.to_thread.run_sync(self._is_file, name)

    async def _fallback(self, name: str, scope: Scope, status_code: int) -> Response:
        full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, name)
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            raise RuntimeError(
                f"Frontend fallback file '{name}' does not exist in directory '{self.directory}'. Resolved "
                f"absolute directory: '{os.path.realpath(self.directory or '')}'. Add it or pick another fallback."
            )
        return self.file_response(full_path, stat_result, scope, status_code=status_code)


def _resolve_check_dir(directory: PathLike) -> bool:
    if os.environ.get("FASTAPI_ENV") != "development":
        return True
    if not os.path.isdir(directory):
        warnings.warn(
            f"Frontend directory '{directory}' does not exist. Resolved absolute path: '{os.path.realpath(directory)}'",
            stacklevel=user_stacklevel(),
        )
    return False


def _navigation(scope: Scope) -> bool:
    """Whether the request is a browser page load: its ``Accept`` takes HTML (any quality but 0)."""
    accept = Headers(scope=scope).get("accept", "")
    for part in accept.split(","):
        message = email.message.Message()
        message["content-type"] = part.strip()
        media_type = f"{message.get_content_maintype()}/{message.get_content_subtype()}"
        if media_type not in ("text/html", "application/xhtml+xml"):
            continue
        quality = message.get_param("q")
        try:
            if not isinstance(quality, str) or float(quality) != 0:
                return True
        except ValueError:
            return True
    return False
