"""Contract texts for the life-cycle tests: the social-insurance contract, changed as asked."""

from __future__ import annotations

from typing import Any

import yaml

from catalog.models import Department
from schemas.loader import DATASETS_DIR

TEMPLATE = DATASETS_DIR / "rsj_social_insurance.yaml"


def contract_text(owner: Department | str, code: str = "ds_life", **changes: Any) -> str:
    """YAML text of a contract ``code`` owned by ``owner``; ``drop_fields``, ``retype`` (name →
    DuckDB type) and top-level key changes (``None`` deletes a key)."""
    data = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    data.update(code=code, owner_department=getattr(owner, "code", owner))
    data.pop("provider_code")
    drop = set(changes.pop("drop_fields", ()))
    retype: dict[str, str] = changes.pop("retype", {})
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    data["fields"] = [f for f in data["fields"] if f["name"] not in drop]
    data["primary_key"] = [k for k in data["primary_key"] if k not in drop]
    for field in data["fields"]:
        if field["name"] in retype:
            field["type"] = retype[field["name"]]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
