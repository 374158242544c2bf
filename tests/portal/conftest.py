"""The portal tests reuse the exchange API's published platform (seeded catalog, one batch)."""

from tests.exchange_api.conftest import Platform, platform

__all__ = ["Platform", "platform"]
