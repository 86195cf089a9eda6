"""Template files: the shipped ones are valid and faithful; errors name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from itexit.domain.checklist import CaseKind
from itexit.services import templates
from itexit.services.templates import TemplateError, parse

HEADER = '[template]\nid = "ours"\ntitle = "Our steps"\nkinds = ["it_vendor"]\nsource = "policy"\n'
TASK = (
    '\n[[tasks]]\nkey = "{key}"\ntitle = "A step"\nphase = "after"\noffset_days = 0\n'
    'role = "hr"\nguidance = "Why it matters here."\nreference = "ours"\n{extra}'
)


def _problems(text: str) -> list[str]:
    with pytest.raises(TemplateError) as exc:
        parse(text, "t.toml")
    return exc.value.problems


def test_shipped_templates_cover_the_sources() -> None:
    by_id = {t.id: t for t in templates.shipped()}
    assert set(by_id) == {"it-person", "clinician-deprovisioning", "replacement-onboarding"}
    it = by_id["it-person"].spec
    refs = " ".join(t.reference for t in it.tasks)
    for n in range(1, 11):
        assert f"consideration {n}" in refs or f"considerations {n}" in refs or f"and {n}" in refs
    assert "closing advice" in refs
    clinician = by_id["clinician-deprovisioning"].spec
    first_two = [t for t in clinician.tasks if t.critical]
    assert [t.key for t in first_two] == ["in-basket", "deprovisioning-form"]
    assert "safety report" in first_two[0].guidance
    assert any("CRICO" in t.guidance for t in clinician.tasks)
    assert CaseKind.CLINICIAN in clinician.template.kinds
    onboarding = {t.key for t in by_id["replacement-onboarding"].spec.tasks}
    assert {"accounts-created", "vendor-contacts-moved", "second-unlock"} <= onboarding


def test_syntax_error_names_the_line() -> None:
    assert _problems(HEADER + "\n[[tasks]\n")[0].startswith("t.toml:7: (syntax):")


def test_missing_and_wrong_fields_name_line_and_field() -> None:
    text = HEADER + TASK.format(key="a", extra="") + TASK.format(key="B!", extra="colour = 1\n")
    problems = _problems(text)
    assert any(p.startswith("t.toml:17: tasks[2].key:") for p in problems), problems
    assert any("tasks[2].colour" in p and "Extra inputs" in p for p in problems), problems


def test_dependency_on_an_unknown_task_is_refused() -> None:
    text = HEADER + TASK.format(key="a", extra='depends_on = ["zzz"]\n')
    [problem] = _problems(text)
    assert problem.startswith("t.toml:15: tasks[1].depends_on:")
    assert "'zzz'" in problem


def test_duplicate_keys_are_refused() -> None:
    text = HEADER + TASK.format(key="a", extra="") + TASK.format(key="a", extra="")
    assert "used twice" in _problems(text)[0]


def test_practice_templates_are_offered_and_may_not_shadow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = templates.practice_templates_dir()
    folder.mkdir(parents=True)
    (folder / "ours.toml").write_text(HEADER + TASK.format(key="a", extra=""))
    assert "ours" in {t.id for t in templates.available()}
    (folder / "clash.toml").write_text(
        HEADER.replace('"ours"', '"it-person"') + TASK.format(key="a", extra="")
    )
    with pytest.raises(TemplateError, match="already used"):
        templates.available()
