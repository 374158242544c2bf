"""Who is on the other end of a request: its address, and a client certificate a proxy verified.

Behind a reverse proxy the TCP peer is the proxy, so the client's address comes from
``X-Forwarded-For`` — but only when the peer is one of ``ZHONGTAI_TRUSTED_PROXIES``; from anyone
else the header is the client's own say-so and is ignored (otherwise a guesser could dodge the
lockout by inventing a new address per attempt). The hops are read from the right, skipping
trusted proxies: the first hop that is not one is the client (what the nearest proxy saw).

TLS client certificates are verified by the proxy (nginx: ``ssl_verify_client on``), which
forwards the certificate as URL-escaped PEM in ``X-Client-Cert`` (``$ssl_client_escaped_cert``)
and its verdict in ``X-Client-Verify`` (``$ssl_client_verify``); see ``infra/README.md``. nginx
only offers a SHA-1 fingerprint (``$ssl_client_fingerprint``), so the app parses the PEM and
takes the SHA-256 of the DER certificate itself. Both headers are believed only from a trusted
proxy and only with ``SUCCESS``; from any other peer they are ignored.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from starlette.requests import Request

from catalog.settings import IPNetwork

__all__ = [
    "CERT_HEADER",
    "VERIFY_HEADER",
    "client_address",
    "forwarded_certificate_sha256",
    "is_trusted",
]

CERT_HEADER = "x-client-cert"
VERIFY_HEADER = "x-client-verify"
_MAX_ADDRESS = 64


def is_trusted(host: str, trusted: tuple[IPNetwork, ...]) -> bool:
    """Whether ``host`` is an address inside one of the trusted proxy networks."""
    try:
        address = ipaddress.ip_address(host.strip())
    except ValueError:
        return False
    return any(address in network for network in trusted)


def _peer(request: Request) -> str:
    return request.client.host if request.client is not None else ""


def client_address(request: Request, trusted: tuple[IPNetwork, ...]) -> str:
    """The client's address: the TCP peer, or what trusted proxies forwarded for it."""
    peer = _peer(request)
    if not is_trusted(peer, trusted):
        return peer[:_MAX_ADDRESS]
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            return hop[:_MAX_ADDRESS]
    return (hops[0] if hops else peer)[:_MAX_ADDRESS]


def forwarded_certificate_sha256(request: Request, trusted: tuple[IPNetwork, ...]) -> str | None:
    """SHA-256 (hex) of the client certificate a trusted proxy verified, or ``None``: no header,
    not verified, an untrusted peer, or something that is not a PEM certificate."""
    pem = request.headers.get(CERT_HEADER, "")
    if not pem or not is_trusted(_peer(request), trusted):
        return None
    if request.headers.get(VERIFY_HEADER, "") != "SUCCESS":
        return None
    try:
        certificate = x509.load_pem_x509_certificate(unquote(pem).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return certificate.fingerprint(hashes.SHA256()).hex()
