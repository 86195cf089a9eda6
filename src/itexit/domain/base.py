"""The base of every pydantic model in the project."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validator is built on first use rather than at import.

    Building every model's validator when its module loads took about 60 ms of each start of
    the command line and of the app, and a command uses only a few of the models.
    """

    model_config = ConfigDict(defer_build=True)
