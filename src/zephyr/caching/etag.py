"""ETags: computing one from a body and matching ``If-None-Match`` (weak comparison, RFC 9110 section 13.1.2)."""

from __future__ import annotations

import hashlib

__all__ = ("etag_matches", "make_etag")


def make_etag(body: bytes) -> str:
    """Return a strong ETag for ``body``: a quoted 128-bit BLAKE2b digest."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    """Tell whether an ``If-None-Match`` header value matches ``etag`` (``*`` matches any; ``W/`` is ignored).

    Args:
        if_none_match: The request header's value, possibly a comma-separated list.
        etag: The current representation's ETag.

    Returns:
        Whether the client already has this representation (answer ``304 Not Modified``).
    """
    if not if_none_match or not etag:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(candidate) == wanted for candidate in if_none_match.split(","))
