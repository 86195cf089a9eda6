"""Checklist templates: TOML files validated by one schema, errors naming file, line and field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator

from itexit import locations
from itexit.domain.base import Model
from itexit.domain.checklist import CaseKind, TemplateInfo, TemplateTask
from itexit.domain.errors import BadInput, NotFound


class TemplateHeader(Model):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    title: str = Field(min_length=3, max_length=200)
    description: str = ""
    kinds: list[CaseKind] = Field(min_length=1)
    source: str = Field(min_length=3)


class TemplateFile(Model):
    """One template file: a header and its tasks; dependencies name earlier tasks only."""

    model_config = ConfigDict(extra="forbid")

    template: TemplateHeader
    tasks: list[TemplateTask] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_and_dependencies(self) -> TemplateFile:
        seen: set[str] = set()
        for task in self.tasks:
            if task.key in seen:
                raise ValueError(f"tasks: the key {task.key!r} is used twice")
            for dep in task.depends_on:
                if dep not in seen:
                    raise ValueError(
                        f"tasks: {task.key!r} depends on {dep!r}, which is not a task defined "
                        "above it"
                    )
            seen.add(task.key)
        return self


@dataclass(frozen=True)
class Template:
    spec: TemplateFile
    path: str

    @property
    def id(self) -> str:
        return self.spec.template.id

    def info(self) -> TemplateInfo:
        head = self.spec.template
        return TemplateInfo(
            id=head.id,
            title=head.title,
            description=head.description,
            kinds=list(head.kinds),
            source=head.source,
            tasks=len(self.spec.tasks),
            path=self.path,
        )


class TemplateError(BadInput):
    """A template file is wrong; every problem is listed as `file:line: field: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def practice_templates_dir() -> Path:
    """The practice's own templates: `templates/` in the itexit home (not created here)."""
    return locations.home() / "templates"


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line a validation error points at: the field's own line, else its table header."""
    lines = text.splitlines()
    if not loc:
        return 1
    table = str(loc[0])
    rest = loc[1:]
    index = 0
    if rest and isinstance(rest[0], int):
        index, rest = rest[0], rest[1:]
    header = re.compile(r"^\s*\[\[?\s*" + re.escape(table) + r"\s*\]\]?\s*(#.*)?$")
    starts = [n for n, line in enumerate(lines) if header.match(line)]
    if index >= len(starts):
        return starts[-1] + 1 if starts else 1
    start = starts[index]
    if not rest:
        return start + 1
    name = re.compile(r"^\s*" + re.escape(str(rest[0])) + r"\s*=")
    for n in range(start + 1, len(lines)):
        if re.match(r"^\s*\[", lines[n]):
            break
        if name.match(lines[n]):
            return n + 1
    return start + 1


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part + 1}]" if parts else f"[{part + 1}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "(file)"


def parse(text: str, path: str) -> Template:
    """Validate a template's text; raise `TemplateError` with every problem found."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _toml_line(str(exc))
        message = str(exc).split(" (at ")[0]
        raise TemplateError([f"{path}:{line}: (syntax): {message}"]) from None
    try:
        spec = TemplateFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if not loc and message.startswith("tasks: "):
                key = re.search(r"'([^']+)'", message)
                task_index = next(
                    (
                        i
                        for i, task in enumerate(raw.get("tasks", []))
                        if key and isinstance(task, dict) and task.get("key") == key.group(1)
                    ),
                    0,
                )
                field = "depends_on" if "depends on" in message else "key"
                loc = ("tasks", task_index, field)
                message = message.removeprefix("tasks: ")
            problems.append(f"{path}:{_line_of(text, loc)}: {_field_name(loc)}: {message}")
        raise TemplateError(problems) from None
    return Template(spec=spec, path=path)


def _toml_line(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


def load_file(path: Path) -> Template:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"Cannot read the template {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise BadInput(f"The template {path} is not UTF-8 text.") from None
    return parse(text, str(path))


def shipped() -> list[Template]:
    folder = resources.files("itexit.data").joinpath("templates")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found.append(parse(entry.read_text(encoding="utf-8"), f"itexit:{entry.name}"))
    return found


def available() -> list[Template]:
    """Shipped templates, then the practice's own (a practice file may not reuse a shipped id)."""
    templates = shipped()
    ids = {t.id for t in templates}
    folder = practice_templates_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            template = load_file(path)
            if template.id in ids:
                raise TemplateError(
                    [f"{path}:1: template.id: {template.id!r} is already used by another template"]
                )
            ids.add(template.id)
            templates.append(template)
    return templates


def find(template_id: str) -> Template:
    for template in available():
        if template.id == template_id:
            return template
    names = ", ".join(t.id for t in available())
    raise NotFound(f"There is no template {template_id!r}; the templates are: {names}.")


def default_for(kind: CaseKind) -> list[str]:
    """The templates a case of this kind starts from when none are named."""
    return [t.id for t in shipped() if kind in t.spec.template.kinds][:1]
