"""The base of every pydantic model in the project."""

from __future__ import annotations

import os

# No pydantic plugin from the environment sees these models. A plugin is any installed package
# that declares a `pydantic` entry point, and it is handed every value validated, which here
# includes decrypted secrets. Set before pydantic first builds a validator.
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from itexit.domain.text import clean_any, is_multiline


class Model(BaseModel):
    """A pydantic model whose validator is built on first use rather than at import: a command
    uses only a few of the models."""

    model_config = ConfigDict(defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        """No control sequence enters or leaves through a model (`domain.text.clean`): every
        text field is cleaned when the model is built, whether from input or from the store.
        Secrets (`SecretStr`) and bytes are left exactly as given."""
        if not isinstance(data, dict):
            return data
        fields = cls.__dict__.get("_text_fields_cache")
        if fields is None:
            fields = {
                name: is_multiline(name)
                for name, info in cls.model_fields.items()
                if not any(t in repr(info.annotation) for t in ("SecretStr", "bytes"))
            }
            type.__setattr__(cls, "_text_fields_cache", fields)
        cleaned: dict[str, Any] | None = None
        for name, value in data.items():
            if isinstance(value, str | list | tuple | dict) and name in fields:
                new = clean_any(value, multiline=fields[name])
                if new is not value and new != value:
                    if cleaned is None:
                        cleaned = dict(data)
                    cleaned[name] = new
        return data if cleaned is None else cleaned
