"""Reading a contract's YAML text safely, whoever sent it: a file, the CLI, the API or the portal.

A contract is small (the largest shipped one is a few kilobytes), so anything over
:data:`MAX_CONTRACT_BYTES` is refused before it is parsed (``contract.too_large``); bytes that are
not UTF-8 are refused (``contract.not_utf8``: contracts are UTF-8 text, whatever encoding the
*data* files they describe use); and YAML anchors and aliases are refused
(``contract.yaml_alias``), which is what a "billion laughs" YAML bomb is made of — a contract has
no need for them. The top level must be a mapping (``contract.invalid``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from schemas.errors import ZhongtaiError

__all__ = [
    "MAX_CONTRACT_BYTES",
    "ContractError",
    "decode_contract",
    "load_contract_yaml",
    "require",
]

MAX_CONTRACT_BYTES = 256 * 1024


class ContractError(ZhongtaiError, ValueError):
    """A data-element or dataset contract file is malformed (or names no contract).

    Also a ``ValueError``, as it was before the project had one exception family."""

    code = "contract.invalid"
    status = 422


def require(data: dict[str, Any], key: str, where: Path) -> Any:
    if key not in data or data[key] in (None, ""):
        raise ContractError(f"{where.name}: missing required key '{key}'")
    return data[key]


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise ContractError(
                "YAML aliases are not allowed in a contract", code="contract.yaml_alias"
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None):
            raise ContractError(
                "YAML anchors are not allowed in a contract", code="contract.yaml_alias"
            )
        return super().compose_node(parent, index)


def decode_contract(raw: bytes) -> str:
    """The UTF-8 text of a contract's bytes (a leading BOM is dropped)."""
    if len(raw) > MAX_CONTRACT_BYTES:
        raise ContractError(
            f"a contract may be at most {MAX_CONTRACT_BYTES} bytes, this one is {len(raw)}",
            code="contract.too_large",
        )
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ContractError(
            f"a contract must be UTF-8 text (byte {exc.start} is not)", code="contract.not_utf8"
        ) from None


def load_contract_yaml(text: str) -> dict[str, Any]:
    """The top-level mapping of a contract's YAML text."""
    if len(text.encode("utf-8")) > MAX_CONTRACT_BYTES:
        raise ContractError(
            f"a contract may be at most {MAX_CONTRACT_BYTES} bytes", code="contract.too_large"
        )
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ContractError(f"not valid YAML: {exc}", code="contract.invalid") from None
    if not isinstance(data, dict):
        raise ContractError("expected a mapping at the top level", code="contract.invalid")
    return data
