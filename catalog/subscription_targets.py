"""Where a subscription may deliver, checked before anything is written or sent; and its secret.

**Folders.** A folder target is a relative name inside the subscribing department's own drop
folder, ``<drop root>/<department code>/<name>``. It is refused (``subscription.bad_target``)
when it is absolute, names ``..`` or ``.``, holds a backslash, a control character or an empty
segment — and, because the department may create symlinks in its own folder, every check
resolves the path on disk and refuses one that leads outside the department's folder. The
deliverer checks again just before it writes (:func:`folder_path` is called at both moments).

**Webhooks.** A webhook URL must be ``https``, or ``http`` to a host the admin allowed
(``ZHONGTAI_WEBHOOK_ALLOW``: comma-separated ``host`` or ``host:port``). Its host must resolve
only to public addresses unless allowed there: no private, loopback, link-local (cloud metadata)
or reserved address can be made to receive a request (server-side request forgery). In
development and test only, loopback is allowed by default. No user-info, no redirects (the sender
does not follow them). The check runs at creation and again before every send, since DNS answers
change; a name that does not resolve is refused.

**Secret.** A webhook's signing secret is HMAC-SHA256(mask master key, context ‖ subscription
id), derived when needed, shown once at creation, never stored or logged. A delivery is signed
``X-Zhongtai-Signature: sha256=<hex HMAC-SHA256(secret as ASCII, body)>``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from catalog.errors import InvalidInput

__all__ = [
    "MAX_TARGET",
    "Resolver",
    "check_webhook",
    "folder_path",
    "sign",
    "webhook_secret",
]

MAX_TARGET = 2000
_SECRET_CONTEXT = b"zhongtai/webhook/subscription/"
_SEGMENT = re.compile(r"[^\x00-\x1f\x7f/\\:*?\"<>|]{1,100}")
_DEPARTMENT = re.compile(r"[A-Za-z0-9_-]{1,32}")
_LOCAL_ENVIRONMENTS = ("development", "test")

Resolver = Callable[[str, int], list[str]]
"""A host and port → every address it resolves to (``socket.getaddrinfo`` by default)."""


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="subscription.bad_target")


def folder_path(drop_root: Path, department_code: str, name: str) -> Path:
    """The folder ``name`` inside the department's drop folder, resolved on disk; refused if
    it is malformed or leads (through ``..``, an absolute path or a symlink) anywhere else."""
    if not _DEPARTMENT.fullmatch(department_code):
        raise _bad(f"department code {department_code!r} cannot name a drop folder")
    if not name or len(name) > 500 or name.startswith(("/", "~")):
        raise _bad("a folder target is a relative name inside your department's drop folder")
    segments = name.split("/")
    for segment in segments:
        if segment in (".", "..") or not _SEGMENT.fullmatch(segment):
            raise _bad(f"folder target {name!r} may not hold '..', '.', '\\\\', ':' or empty parts")
    root = drop_root.resolve()
    home = (root / department_code).resolve()
    target = (home / Path(*segments)).resolve()
    if not home.is_relative_to(root) or home == root or not target.is_relative_to(home):
        raise _bad(f"folder target {name!r} leads outside your department's drop folder")
    return target


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _allowed(allow: str) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in allow.split(",") if p.strip())


def check_webhook(
    url: str, *, allow: str, environment: str, resolve: Resolver | None = None
) -> str:
    """``url`` if a webhook may be sent there now; ``subscription.bad_target`` otherwise."""
    if len(url) > MAX_TARGET:
        raise _bad(f"a webhook URL is at most {MAX_TARGET} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad("the webhook URL is malformed") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise _bad("a webhook URL is https://host/path (or http:// to an allowed host)")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _bad("a webhook URL may not carry a user name or password")
    port = port or (443 if parts.scheme == "https" else 80)
    allowed = _allowed(allow)
    if host in allowed or f"{host}:{port}" in allowed:
        return url
    local = environment in _LOCAL_ENVIRONMENTS
    try:
        addresses = (resolve or _system_resolver)(host, port)
    except (OSError, UnicodeError):
        raise _bad(f"webhook host {host!r} does not resolve") from None
    if not addresses:
        raise _bad(f"webhook host {host!r} does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not (address.is_global or (local and address.is_loopback)):
            raise _bad(
                f"webhook host {host!r} is at a non-public address; an admin must allow it "
                "(ZHONGTAI_WEBHOOK_ALLOW)"
            )
    if parts.scheme == "http" and not local:
        raise _bad("a webhook over plain http needs its host allowed (ZHONGTAI_WEBHOOK_ALLOW)")
    if parts.scheme == "http" and not all(
        ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses
    ):
        raise _bad("plain http is allowed by default to loopback only (development and test)")
    return url


def webhook_secret(master: bytes, subscription_id: int) -> str:
    """The subscription's signing secret (64 hex digits), derived, never stored."""
    if isinstance(subscription_id, bool) or not isinstance(subscription_id, int):
        raise TypeError(f"subscription_id must be an integer, not {subscription_id!r}")
    message = _SECRET_CONTEXT + str(subscription_id).encode("ascii")
    return hmac.new(master, message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    """The ``X-Zhongtai-Signature`` value of ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode("ascii"), body, hashlib.sha256).hexdigest()
