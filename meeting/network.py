"""The address phones use to reach the server (printed in QR codes and on the projector).

One answer for every place that builds a phone's address (slips, QR codes, the join
poster, the projector's join QR, the pre-flight test QR): :func:`phone_base_url`. In
order: the address the organiser chose for the meeting (``meeting.public_url``), then the
operator's PUBLIC_URL setting, then detection (the request's own address, or this
machine's LAN address when the organiser works on the server itself).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import shutil
import socket
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import errors
from .guards import ensure_not_sealed, record
from .models import Meeting, Organiser

LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]")
MAX_URL = 300  # the column's length
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*$"
)
_INET = re.compile(r"\binet (\d{1,3}(?:\.\d{1,3}){3})/\d+")


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent), or 127.0.0.1."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def parse_ip_addr(output: str) -> list[str]:
    """IPv4 addresses in the output of ``ip -o -4 addr show``, loopback left out."""
    found = []
    for address in _INET.findall(output):
        try:
            parsed = ipaddress.IPv4Address(address)
        except ValueError:
            continue
        if not parsed.is_loopback and not parsed.is_unspecified and address not in found:
            found.append(address)
    return found


def _from_ip_tool() -> list[str]:
    tool = shutil.which("ip")
    if tool is None:
        return []
    try:
        result = subprocess.run(
            [tool, "-o", "-4", "addr", "show"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_ip_addr(result.stdout)


def _from_host_name() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


_CACHE_SECONDS = 30.0
_cache: dict[tuple[str, str], tuple[float, list[str]]] = {}


def _cached(kind: str, key: str, compute: Any) -> list[str]:
    """A lookup kept for half a minute: pages ask it on every render, and the answer
    (interfaces, the venue's DNS) changes rarely."""
    now = time.monotonic()
    hit = _cache.get((kind, key))
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return list(hit[1])
    value = list(compute())
    if len(_cache) > 256:
        _cache.clear()
    _cache[(kind, key)] = (now, value)
    return list(value)


def lan_addresses() -> list[str]:
    """Every non-loopback IPv4 address of this machine, the default route's first.

    Read from ``ip -o -4 addr`` when the tool is there, else from the host name; a
    missing tool or a failing lookup gives fewer addresses, never an error.
    """
    return _cached("lan", "", _lan_addresses)


def _lan_addresses() -> list[str]:
    candidates = [lan_address(), *_from_ip_tool(), *_from_host_name()]
    found: list[str] = []
    for address in candidates:
        try:
            parsed = ipaddress.IPv4Address(address)
        except ValueError:
            continue
        if parsed.is_loopback or parsed.is_unspecified or address in found:
            continue
        found.append(address)
    # private (LAN) addresses first: those are what a venue Wi-Fi hands out
    return sorted(found, key=lambda a: not ipaddress.IPv4Address(a).is_private)


def public_base_url(configured: str | None, host_url: str) -> str:
    """PUBLIC_URL when set; else the request's own address when it is this server, else
    (loopback: an organiser on the server itself; or a Host header naming another
    machine, which a client can forge) the LAN address with the same port.
    """
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(host_url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    host = parts.hostname
    if host is None or host in LOOPBACK or not points_here(host):
        return f"{parts.scheme or 'http'}://{lan_address()}{port}"
    return host_url.rstrip("/")


def phone_base_url(chosen: str | None, configured: str | None, host_url: str) -> str:
    """The address phones use: the meeting's chosen one, else PUBLIC_URL, else detected."""
    if chosen:
        return chosen.rstrip("/")
    return public_base_url(configured, host_url)


def address_source(chosen: str | None, configured: str | None) -> str:
    """Where the address comes from: "chosen", "configured" or "detected"."""
    if chosen:
        return "chosen"
    return "configured" if configured else "detected"


def suggestions(host_url: str, addresses: list[str] | None = None) -> list[str]:
    """Addresses to offer: each LAN address with the port the organiser's browser uses."""
    parts = urlsplit(host_url)
    scheme = parts.scheme or "http"
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    suffix = f":{port}" if port and port != default else ""
    host = parts.hostname or ""
    listed = addresses if addresses is not None else lan_addresses()
    found = [f"{scheme}://{a}{suffix}" for a in listed]
    if host and host not in LOOPBACK and not _is_ipv4(host):
        found.append(f"{scheme}://{host}{suffix}")  # a name the organiser reached us by
    return found


def _is_name(host: str) -> bool:
    """A host name, not a number: its last label has a letter and is no hex literal."""
    last = host.rsplit(".", 1)[-1]
    return any(ch.isalpha() for ch in last) and not re.fullmatch(r"0x[0-9a-f]+", last, re.I)


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


BAD_ADDRESS = _l(
    "Enter an address like http://192.168.1.20:5000 (http or https, the server's address, an optional port; nothing after it)."
)


def clean_public_url(text: Any) -> str:
    """An address typed or picked by the organiser -> ``scheme://host[:port]``, or Invalid.

    Empty means "detect". A trailing slash is dropped; a path, query, user name or a
    loopback host (no phone reaches 127.0.0.1) is refused.
    """
    value = (text if isinstance(text, str) else "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "http://" + value
    if len(value) > MAX_URL or any(ch.isspace() for ch in value):
        raise errors.Invalid(BAD_ADDRESS)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise errors.Invalid(BAD_ADDRESS) from exc
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or not host
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or (port is not None and not 1 <= port <= 65535)
    ):
        raise errors.Invalid(BAD_ADDRESS)
    # a name ends in a label with a letter; all-digit or hex forms (2130706433, 0x7f000001,
    # 0177.0.0.1) are refused unless they are a plain dotted IPv4 address
    if not (_is_ipv4(host) or (_HOST_NAME.match(host) and _is_name(host))):
        raise errors.Invalid(BAD_ADDRESS)
    if host in LOOPBACK or host.startswith("127."):
        raise errors.Invalid(
            _l("%(host)s is this computer's own address; phones cannot reach it.", host=host)
        )
    return f"{parts.scheme}://{host.lower()}" + (f":{port}" if port is not None else "")


def set_public_url(
    session: Session, meeting: Meeting, text: Any, organiser: Organiser | None = None
) -> str:
    """Choose the address phones use for this meeting ("" = back to detection).

    Refused: anything but http(s)://host[:port] (see :func:`clean_public_url`), a host
    that is not this server (an organiser must not send the room's phones, and their
    slips' secrets, to another machine; behind a reverse proxy the operator sets
    PUBLIC_URL), and a sealed meeting.
    """
    ensure_not_sealed(meeting)
    value = clean_public_url(text)
    host = urlsplit(value).hostname or ""
    if value and not points_here(host):
        raise errors.Invalid(
            _l(
                "%(host)s is not an address of this server. Pick a detected address, or type a name the venue's router points at this server; behind a reverse proxy, the operator sets PUBLIC_URL.",
                host=host,
            )
        )
    if value != meeting.public_url:
        meeting.public_url = value
        record(session, meeting, organiser, "public_url", {"url": value})
        session.flush()
    return value


def points_here(host: str) -> bool:
    """Whether ``host`` (an IPv4 address or a name) is this machine: an own address, or
    a name whose every address is one (a phone may be given any of them)."""
    own = set(lan_addresses())
    if _is_ipv4(host):
        return host in own
    addresses = resolve(host)
    return bool(addresses) and all(address in own for address in addresses)


def resolve(host: str) -> list[str]:
    """The IPv4 addresses a name stands for here (the venue router's DNS), or none."""
    return _cached("dns", host.lower(), lambda: _resolve(host))


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def slips_out_of_date(meeting: Meeting, current: str) -> bool:
    """Slips were printed with another address than the one phones now use."""
    return bool(meeting.slips_url) and meeting.slips_url.rstrip("/") != current.rstrip("/")


def base_url_for(meeting: Meeting | None) -> str:
    """The address phones use for this meeting, in a request (every view asks this)."""
    from flask import current_app, request

    return phone_base_url(
        meeting.public_url if meeting is not None else "",
        current_app.config.get("PUBLIC_URL"),
        request.host_url,
    )


def reach_signature(secret_key: str, meeting_id: int) -> str:
    """The pre-flight test QR's key: only a phone that scanned it ticks the check."""
    message = f"reach:{meeting_id}".encode()
    return hmac.new(str(secret_key).encode(), message, hashlib.sha256).hexdigest()[:20]
