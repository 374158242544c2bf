"""Data-element standards and dataset contracts (data files plus a small typed loader)."""

from schemas.loader import (
    ContractError,
    DataElement,
    DatasetContract,
    FieldSpec,
    Grade,
    OpenType,
    ShareType,
    load_contract,
    load_contracts,
    load_elements,
)
from schemas.masks import MaskKind, MaskSpec
from schemas.source_format import SourceFormat

__all__ = [
    "ContractError",
    "DataElement",
    "DatasetContract",
    "FieldSpec",
    "Grade",
    "MaskKind",
    "MaskSpec",
    "OpenType",
    "ShareType",
    "SourceFormat",
    "load_contract",
    "load_contracts",
    "load_elements",
]
