"""The publisher's contract page (登记与修订信息资源): register a dataset or revise one by pasting
or uploading its contract YAML, seeing first what the revision does to the grants.

- ``GET /portal/datasets/contract`` — the form: paste the YAML or choose the file.
- ``POST /portal/datasets/contract/preview`` — parses the contract (refusals shown as the
  portal's problem page, with the stable code) and shows, for an existing dataset, the dry run
  of its revision: fields added, removed, retyped, the share type before and after, and every
  live grant it would narrow or revoke; for a new one, its resource code rule and fields. Nothing
  is changed; the contract text is carried to the confirm form.
- ``POST /portal/datasets/contract/confirm`` — registers or revises (the same
  :mod:`catalog.contracts` functions, access decision and audit as the API and CLI) and shows
  the version made.

Both posts are portal forms (CSRF-checked, ``forms.FormActor``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from catalog import actions as act
from catalog.contracts import read_contract, register_dataset, revise_dataset
from catalog.dataset_rows import owner_of
from catalog.datasets import get_dataset
from catalog.errors import TooLarge
from catalog.guard import ensure
from catalog.models import Dataset
from catalog.policy_catalog import ContractTerms
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.portal.forms import FormActor, LangQuery, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal
from schemas.catalog_fields import gbt_data_type
from schemas.contract_text import MAX_CONTRACT_BYTES

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)

_HERE = "/portal/datasets/contract"


async def _source(text: str, upload: UploadFile | None) -> bytes:
    raw = await upload.read(MAX_CONTRACT_BYTES + 1) if upload is not None else b""
    if not raw:  # browsers send a textarea's line breaks as CRLF: keep the text as typed
        raw = text.replace("\r\n", "\n").encode("utf-8")
    if len(raw) > MAX_CONTRACT_BYTES:
        raise TooLarge(
            f"a contract may be at most {MAX_CONTRACT_BYTES} bytes", code="contract.too_large"
        )
    return raw


@router.get("/datasets/contract", response_class=HTMLResponse)
def contract_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The form: paste or upload a contract."""
    return portal_page(
        request, session, settings, principal, "contract_edit.html", lang,
        current="contracts", now=now_of(request), here=_HERE, stage="form",
    )  # fmt: skip


@router.post("/datasets/contract/preview", response_class=HTMLResponse)
async def contract_preview(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    contract: Annotated[str, Form()] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """What registering or revising this contract would do; nothing is changed."""
    now = now_of(request)
    with page_errors(session, lang):
        raw = await _source(contract, upload)
        parsed = read_contract(session, raw)
        existing = session.query(Dataset).filter(Dataset.code == parsed.code).one_or_none()
        revision = None
        if existing is not None:
            revision = revise_dataset(session, raw, principal, dry_run=True, now=now)
        else:  # refuse early whoever could not register it (the confirm decides again)
            owner = owner_of(session, parsed.owner_department)
            terms = ContractTerms.proposed(parsed, dataset_id=0, owner_department_id=owner.id)
            ensure(session, principal, act.DATASET_REGISTER, terms, now=now)
        session.rollback()
    fields = [
        {"name": f.name, "title": f.title_zh, "type": gbt_data_type(f.duckdb_type)[0]}
        for f in parsed.fields
    ]
    return portal_page(
        request, session, settings, principal, "contract_edit.html", lang,
        current="contracts", now=now, here=_HERE, stage="preview", contract=parsed,
        text=raw.decode("utf-8"), revision=revision, fields=fields, new=existing is None,
    )  # fmt: skip


@router.post("/datasets/contract/confirm", response_class=HTMLResponse)
def contract_confirm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    contract: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Register or revise, and show the version made."""
    now = now_of(request)
    raw = contract.replace("\r\n", "\n").encode("utf-8")
    with page_errors(session, lang):
        code = read_contract(session, raw).code
        exists = session.query(Dataset.id).filter(Dataset.code == code).first() is not None
        if exists:
            revision = revise_dataset(session, raw, principal, now=now)
            effects = revision.effects
        else:
            register_dataset(session, raw, principal, now=now)
            effects = ()
        session.commit()
        dataset = get_dataset(session, code)
    return portal_page(
        request, session, settings, principal, "contract_edit.html", lang,
        current="contracts", now=now, here=_HERE, stage="done", dataset=dataset,
        effects=effects,
    )  # fmt: skip
