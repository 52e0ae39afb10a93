"""Which receiver URLs webhooks may be sent to (no server-side request forgery).

A receiver must be `https` (plain `http` only where the platform's administrator allows
it), and its host must resolve only to public addresses: not loopback, private, link-local,
multicast, reserved or unspecified ones, unless the address lies in a network the
administrator allowed (`MOTCUA_WEBHOOK_ALLOW_NETWORKS`). Checked when a subscription is
made and again before every send, since what a name resolves to may change.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from engine.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL = 2000


class ReceiverRefused(InvalidInput):
    """A receiver URL webhooks may not be sent to; `errors` name the field `url`."""

    code = "webhook-url-refused"


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 127.0.0.0/8` → networks (the setting's format); ValueError if malformed."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in text.split(",") if part.strip())


def _resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port,
                                                           type=socket.SOCK_STREAM)]


def _refuse(message: str) -> ReceiverRefused:
    return ReceiverRefused(f"webhooks cannot be sent to this URL: {message}",
                           errors=[{"field": "url", "message": message}])


def forbidden_address(address: IPAddress) -> bool:
    """An address no webhook goes to unless its network is allowed."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or not address.is_global)


def check_url(url: str, *, allow_http: bool, allowed: Sequence[Network],
              resolve: Callable[[str, int], list[str]] = _resolve) -> list[Any]:
    """Refuse (ReceiverRefused) a URL webhooks may not be sent to; return the addresses its
    host resolves to now."""
    if len(url) > MAX_URL:
        raise _refuse(f"at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refuse(f"not a URL ({exc})") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise _refuse("the receiver must use https" if not allow_http
                      else "the receiver must use https or http")
    host = parts.hostname
    if not host:
        raise _refuse("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise _refuse("credentials do not belong in the URL; verify the signature instead")
    try:
        found = resolve(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise _refuse(f"the host {host} does not resolve ({exc})") from None
    if not found:
        raise _refuse(f"the host {host} does not resolve")
    addresses = []
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if forbidden_address(address) and not any(address in net for net in allowed
                                                   if net.version == address.version):
            raise _refuse(f"the host {host} resolves to {address}, an address that is not "
                          "public (loopback, private, link-local, multicast or reserved)")
        addresses.append(address)
    return addresses
