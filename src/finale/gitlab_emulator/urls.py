"""Pure `target_url` checks, as GitLab's `AddressableUrlValidator` applies them to commit statuses.

GitLab parses the URL with Addressable, then runs its URL blocker with the validator's defaults:
schemes http and https (compared as written, so `HTTP://` is refused), localhost and private
networks allowed and DNS-rebinding protection off, which means no name is ever resolved. What
is left is syntax: a parse that Addressable accepts, the scheme, and a host that starts with a
letter or digit (or is an IP address). The messages are the blocker's own.
"""

from __future__ import annotations

import ipaddress
import re

SCHEMES = ("http", "https")
INVALID = "URI is invalid"
BAD_SCHEME = f"Only allowed schemes are {', '.join(SCHEMES)}"
BAD_HOST = "Hostname or IP address invalid"

# RFC 3986 appendix B, the split Addressable itself uses.
_SPLIT = re.compile(r"(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?", re.DOTALL)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9.+\-]*")
_HOST_FORBIDDEN = re.compile(r'[<>{}/\\?#@"\s]')
_IP_LITERAL = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:]*")
# Schemes Addressable treats as host-based: they need a host or a path.
_IP_BASED = {
    "http",
    "https",
    "ftp",
    "tftp",
    "sftp",
    "ssh",
    "svn+ssh",
    "telnet",
    "nntp",
    "gopher",
    "wais",
    "ldap",
    "prospero",
}


def strip(value: str) -> str:
    """Ruby's String#strip: ASCII whitespace both ends, NULs too at the end."""
    return value.strip(" \t\n\v\f\r").rstrip(" \t\n\v\f\r\x00")


def url_problem(url: str) -> str | None:
    """Why GitLab refuses `url` as a status `target_url` (already stripped), or None."""
    parts = _parse(url)
    if parts is None:
        return INVALID
    scheme, host = parts
    if scheme is None or scheme not in SCHEMES:
        return BAD_SCHEME
    hostname = host[1:-1] if host and host.startswith("[") and host.endswith("]") else host
    if hostname and not (_is_ip(hostname) or hostname[0].isalnum()):
        return BAD_HOST
    return None


def _parse(url: str) -> tuple[str | None, str | None] | None:
    """(scheme, host) as Addressable reads them; None when Addressable would raise."""
    if "\n" in url or "\r" in url:
        return None  # the blocker refuses multi-line URLs outright
    match = _SPLIT.fullmatch(url)
    if match is None:
        return None
    scheme, authority, path = match.group(2), match.group(4), match.group(5)
    if scheme is not None and not _SCHEME.fullmatch(scheme):
        return None
    host = None
    if authority is not None:
        without_user = re.sub(r"^[^\[\]]*@", "", authority)
        port = re.search(r":([^:@\[\]]*?)$", without_user)
        host = without_user[: port.start()] if port else without_user
        if port and port.group(1) and not re.fullmatch(r"[0-9]+", port.group(1)):
            return None  # "Invalid port number"
    if scheme is not None and scheme.lower() in _IP_BASED and not host and not path:
        return None  # "Absolute URI missing hierarchical segment"
    if host and _bad_host(host):
        return None  # "Invalid character in host"
    return scheme, host


def _bad_host(host: str) -> bool:
    if _HOST_FORBIDDEN.search(host):
        return True
    literal = re.fullmatch(r"\[(.*)\]", host)
    return literal is not None and not _IP_LITERAL.fullmatch(literal.group(1))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
