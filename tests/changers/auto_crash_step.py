"""Run an automatic rotation in a child process and kill it with SIGKILL at a chosen point."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from itexit import changers
from itexit.domain.changing import AutoStep
from itexit.services.credentials.changing import ChangingService
from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation


def die(*_: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class DiesAfterSetting:
    """The real changer, then SIGKILL: the system has the new secret, the vault has no record."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.name = real.name

    def change(self, *args: Any) -> Any:
        result = self.real.change(*args)
        print(result.outcome.value, flush=True)
        die()
        return result


def main() -> None:
    path, user, passphrase, cred_id, point = sys.argv[1:6]
    gw = Gateway.open(VaultLocation(path=Path(path)))
    session = gw.unlock(user, passphrase)
    lookup = changers.get_changer
    if point == "after_set":

        def lookup(name: str) -> Any:
            return DiesAfterSetting(changers.get_changer(name))

    service = ChangingService(session.ctx, changers=lookup)

    def on_step(step: AutoStep) -> None:
        if point == "before_set" and step is AutoStep.SET:
            die()
        if point == "inside_confirm" and step is AutoStep.TEST_NEW:
            event.listen(Session, "before_commit", die)
        if point == "before_test_old" and step is AutoStep.TEST_OLD:
            die()
        if point == "inside_verify_old" and step is AutoStep.TEST_OLD:
            event.listen(Session, "before_commit", die)

    service.auto_rotate(cred_id, on_step=on_step)
    raise SystemExit(f"the rotation finished without reaching {point}")


if __name__ == "__main__":
    main()
