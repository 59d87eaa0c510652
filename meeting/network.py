"""The address phones use to reach the server (printed in QR codes and on the projector)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]")


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def public_base_url(configured: str | None, host_url: str) -> str:
    """PUBLIC_URL when set; else the request's own address, unless that is loopback
    (an organiser on the server itself), in which case the LAN address with the same port.
    """
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(host_url)
    if parts.hostname in LOOPBACK or parts.hostname is None:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme or 'http'}://{lan_address()}{port}"
    return host_url.rstrip("/")
