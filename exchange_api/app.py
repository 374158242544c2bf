"""The exchange service: ``create_app()`` builds the FastAPI application from the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from catalog.audit import POLICY_KEY
from catalog.audit_keys import checkpoint_policy, require_key
from catalog.audit_status import ChainStatusCache
from catalog.db import make_engine, make_sessionmaker
from catalog.models import utcnow
from catalog.settings import Settings, get_settings
from catalog.settings_checks import check_startup
from exchange_api import errors, openapi
from exchange_api.body_limit import BodyLimit
from exchange_api.portal import (
    audit_pages,
    bulk_pages,
    case_scorecard_pages,
    contract_pages,
    dataset_page,
    element_pages,
    evidence_pages,
    exchange,
    forms,
    grant_pages,
    inbox,
    lineage_pages,
    list_pages,
    login,
    negative_pages,
    pages,
    quality_pages,
    report_pages,
    reproduce_pages,
    scenario_data_pages,
    scenario_pages,
    scorecard_pages,
    search_pages,
    subscription_pages,
    verify_pages,
)
from exchange_api.rate_limit import limiter
from exchange_api.readiness import Readiness
from exchange_api.routes import (
    accounts,
    audit,
    audit_evidence,
    audit_reproduce,
    bulk,
    data,
    datasets,
    duties,
    exports,
    grants,
    health,
    lineage,
    lists,
    negative,
    quality,
    requests,
    verify,
)
from exchange_api.routes import case_scorecards as case_scorecard_routes
from exchange_api.routes import changes as change_routes
from exchange_api.routes import contracts as contract_routes
from exchange_api.routes import elements as element_routes
from exchange_api.routes import reports as report_routes
from exchange_api.routes import scenarios as scenario_routes
from exchange_api.routes import scorecards as scorecard_routes
from exchange_api.routes import search as search_routes
from exchange_api.routes import subscriptions as subscription_routes
from lakehouse.serving import ServingLake


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.serving.close()  # the worker's DuckDB, opened on its first read
    app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """An application bound to one catalog and one lake. The catalog must be migrated already
    (``zhongtai init``); the app never changes the schema on start."""
    settings = check_startup(settings or get_settings())  # production: refuses insecure ones
    app = FastAPI(
        title="Zhongtai 中台 exchange API",
        version="0.1.0",
        description=(
            "政务数据共享交换 — datasets are read only through an approved, audited grant. "
            "Errors are RFC 9457 problem+json with a stable `code`. "
            f"Request bodies are limited to {settings.max_body_bytes} bytes "
            "(larger ones, declared or streamed, are answered 413 `request.too_large`)."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    require_key(settings)  # outside development and test, no signing key: no service
    app.state.settings = settings
    app.state.chain_status = ChainStatusCache()  # the audit page's banner (catalog.audit_status)
    app.state.engine = make_engine(settings.resolved_catalog_url)
    app.state.sessions = make_sessionmaker(
        app.state.engine, info={POLICY_KEY: checkpoint_policy(settings)}
    )
    app.state.readiness = Readiness(settings, app.state.engine, app.state.sessions)
    app.state.clock = utcnow  # exchange_api.identify; tests set their own
    app.state.rate_limiter = limiter(settings.rate_limit_per_minute)  # per worker
    app.state.serving = ServingLake(settings)  # per worker: one DuckDB, opened on first read
    errors.install(app)
    for router in (
        health.router,
        audit.router,
        quality.router,
        datasets.router,
        exports.router,
        requests.router,
        grants.router,
        duties.router,
        lists.router,
        data.router,
        verify.router,
        bulk.router,
        accounts.router,
        subscription_routes.router,
        negative.router,
        pages.router,
        login.router,
        search_pages.router,
        exchange.router,
        grant_pages.router,
        verify_pages.router,
        bulk_pages.router,
        inbox.router,
        subscription_pages.router,
        audit_pages.router,
        reproduce_pages.router,
        evidence_pages.router,
        lineage_pages.router,
        list_pages.router,
        dataset_page.router,
        negative_pages.router,
        quality_pages.router,
    ):
        app.include_router(router)
    app.include_router(search_routes.router)
    app.include_router(scenario_routes.router)
    app.include_router(scenario_pages.router)
    app.include_router(scenario_data_pages.router)
    app.include_router(change_routes.router)
    app.include_router(element_routes.router)
    app.include_router(element_pages.router)
    app.include_router(contract_routes.router)
    app.include_router(contract_pages.router)
    app.include_router(audit_reproduce.router)
    app.include_router(audit_evidence.router)
    app.include_router(case_scorecard_routes.router)  # before /scorecards/{department}
    app.include_router(scorecard_routes.router)
    app.include_router(case_scorecard_pages.router)  # before /portal/scorecards' own routes
    app.include_router(scorecard_pages.router)
    app.include_router(report_routes.router)
    app.include_router(report_pages.router)
    app.include_router(lineage.router)  # last: its /{node:path} takes any path
    app.add_exception_handler(pages.SignInRequired, pages.sign_in_redirect)
    app.add_exception_handler(forms.PageRefusal, forms.refusal_page)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    openapi.install(app)
    app.mount("/portal/static", StaticFiles(directory=pages.STATIC_DIR), name="portal-static")
    return app
