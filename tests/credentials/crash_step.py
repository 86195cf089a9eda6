"""Run one rotation step in a child process and kill it with SIGKILL at a chosen point."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from credfakes import FakeServer
from sqlalchemy import event
from sqlalchemy.orm import Session

from itexit.services.gateway import Gateway
from itexit.services.location import VaultLocation


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    path, user, passphrase, cred_id, step, server_password = sys.argv[1:7]
    gw = Gateway.open(VaultLocation(path=Path(path)))
    session = gw.unlock(user, passphrase)
    session.credentials.verifiers = FakeServer(password=server_password).lookup
    if step == "after_start":
        started = session.credentials.start_rotation(cred_id)
        print(started.secret.get_secret_value(), flush=True)
        die()
    if step in ("inside_confirm", "inside_verify_old"):
        event.listen(Session, "before_commit", lambda s: die())
        if step == "inside_confirm":
            session.credentials.confirm_rotation(cred_id)
        else:
            session.credentials.verify(cred_id, old=True)
    raise SystemExit("unknown step")


if __name__ == "__main__":
    main()
