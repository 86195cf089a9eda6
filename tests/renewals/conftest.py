"""Fixtures of the renewal tests: a loopback RDAP registry, TLS endpoints, certificates."""

from __future__ import annotations

from renewal_servers import cert_maker, rdap_registry, tls_endpoints

__all__ = ["cert_maker", "rdap_registry", "tls_endpoints"]
