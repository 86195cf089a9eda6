"""The base of every pydantic model in the project."""

from __future__ import annotations

import os

# No pydantic plugin from the environment sees these models. A plugin is any installed package
# that declares a `pydantic` entry point, and it is handed every value validated, which here
# includes decrypted secrets. Looking for plugins also reads every installed package's
# metadata: about 6 ms of each command's start with this project's dependencies, more beside
# other packages. Set before pydantic first builds a validator.
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validator is built on first use rather than at import.

    Building every model's validator when its module loads took about 60 ms of each start of
    the command line and of the app, and a command uses only a few of the models.
    """

    model_config = ConfigDict(defer_build=True)
