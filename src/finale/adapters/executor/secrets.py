"""Secrets and ConfigMaps given with -f: values for `valueFrom` and secret/configMap workspaces."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any

from finale.errors import InputError
from finale.record import Record, set_field


# Records, not dataclasses: `finale run` starts faster without them (finale/record.py).
class KeyStore(Record):
    """`kind/name -> {key: value}` for every Secret and ConfigMap; values never printed."""

    __slots__ = ("entries",)
    entries: Mapping[str, Mapping[str, str]]

    def __init__(self, entries: Mapping[str, Mapping[str, str]] | None = None) -> None:
        set_field(self, "entries", {} if entries is None else entries)

    def get(self, kind: str, name: str) -> Mapping[str, str] | None:
        return self.entries.get(f"{kind}/{name}")

    def secret_values(self) -> list[str]:
        """Every Secret value, so output can mask them."""
        return [v for k, d in self.entries.items() if k.startswith("Secret/") for v in d.values() if v]


def load_keystore(docs: Iterable[tuple[str, Mapping[str, Any]]]) -> KeyStore:
    entries: dict[str, dict[str, str]] = {}
    for source, doc in docs:
        kind = doc.get("kind")
        if kind not in ("Secret", "ConfigMap"):
            continue
        name = str((doc.get("metadata") or {}).get("name", ""))
        values: dict[str, str] = {}
        for key, raw in (doc.get("data") or {}).items():
            if kind == "Secret":
                try:
                    values[str(key)] = base64.b64decode(str(raw), validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    raise InputError(
                        f"{source}: data.{key}: not base64 text (put plain values under stringData)"
                    ) from None
            else:
                values[str(key)] = str(raw)
        for key, raw in (doc.get("stringData") or {}).items():
            values[str(key)] = str(raw)
        entries[f"{kind}/{name}"] = values
    return KeyStore(entries)
