"""The portal tests reuse the exchange API's published platform (seeded catalog, one batch),
and the browser tests share one chromium and one served app a module (``browser_fixtures``)."""

from tests.exchange_api.conftest import Platform, platform
from tests.portal.browser_fixtures import chromium, server

__all__ = ["Platform", "chromium", "platform", "server"]
