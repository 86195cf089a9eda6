"""The one gateway to the vault, opened on first need in a worker and shared by every screen."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from itexit.services.location import VaultLocation

if TYPE_CHECKING:
    from itexit.services.gateway import Gateway


class VaultAccess:
    """Opens `Gateway` lazily so the database layer never loads before the first paint."""

    def __init__(self, location: VaultLocation, gateway: Gateway | None = None) -> None:
        self.location = location
        self._gateway = gateway
        self._owns_gateway = gateway is None
        self._lock = threading.Lock()

    @property
    def gateway(self) -> Gateway | None:
        """The gateway if it is open already, else None."""
        return self._gateway

    def open(self) -> Gateway:
        """Blocking (imports SQLAlchemy, migrates): call it from a thread worker only."""
        with self._lock:
            if self._gateway is None:
                from itexit.services.gateway import Gateway

                self._gateway = Gateway.open(self.location)
            return self._gateway

    def close(self) -> None:
        """Close the gateway if this object opened it; an injected one belongs to its owner."""
        with self._lock:
            if self._gateway is not None and self._owns_gateway:
                self._gateway.close()
                self._gateway = None
