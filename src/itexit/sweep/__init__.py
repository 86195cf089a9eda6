"""Read the practice's own servers for access that outlives a password, and close it.

One reader per kind of server (``ssh``, ``sieve`` for Dovecot's ManageSieve, ``postgresql``,
``mariadb``, ``ldap``), each with ``sweep(target, identity, timeout)`` and ``close(target, finding,
timeout)``. :func:`read` runs any of them under a hard deadline so that one host that hangs,
or holds hostile content, never stops the sweep of the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Protocol, cast

from itexit.domain.sweep import DepartingIdentity, Finding, HostReport
from itexit.sweep.base import DEFAULT_TIMEOUT, SweepProblem, Target, bounded

Closer = Callable[[Target, Finding, float], tuple[str, str]]


MODULES = {
    "ssh": "ssh",
    "sieve": "sieve",
    "postgresql": "postgres",
    "mariadb": "mariadb",
    "ldap": "ldap",
}
"""The reader module for each protocol (imported on first use)."""


class ReaderModule(Protocol):
    def sweep(self, target: Target, identity: DepartingIdentity, timeout: float) -> HostReport: ...

    def close(self, target: Target, item: Finding, timeout: float) -> tuple[str, str]: ...


def module(protocol: str) -> ReaderModule:
    name = MODULES.get(protocol)
    if name is None:
        raise SweepProblem(f"The sweep cannot read {protocol} servers.")
    return cast(ReaderModule, importlib.import_module(f"itexit.sweep.{name}"))


def closer(protocol: str) -> Closer:
    return module(protocol).close


def read(
    target: Target, identity: DepartingIdentity, timeout: float = DEFAULT_TIMEOUT
) -> HostReport:
    """Sweep one host under a hard deadline; never raises for the host's sake."""
    try:
        reader = module(target.protocol).sweep
    except SweepProblem as exc:
        return HostReport(
            host=target.host,
            system=target.system,
            protocol=target.protocol,
            reached=False,
            problems=[str(exc)],
        )
    return bounded(reader, target, identity, timeout)


def read_all(
    targets: list[Target],
    identity: DepartingIdentity,
    timeout: float = DEFAULT_TIMEOUT,
    on_host: Callable[[HostReport], None] | None = None,
    workers: int = 8,
) -> list[HostReport]:
    """Sweep every host in parallel (reading is network-bound); reports in the targets' order."""
    if not targets:
        return []
    out: dict[int, HostReport] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets)))) as pool:
        futures = {pool.submit(read, t, identity, timeout): i for i, t in enumerate(targets)}
        for future in as_completed(futures):
            result = future.result()
            out[futures[future]] = result
            if on_host is not None:
                on_host(result)
    return [out[i] for i in range(len(targets))]


__all__ = ["DEFAULT_TIMEOUT", "SweepProblem", "Target", "closer", "read", "read_all"]
