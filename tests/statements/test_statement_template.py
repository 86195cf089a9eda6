"""The statement template: the shipped one is complete; a broken one is one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from itexit.domain.errors import BadInput
from itexit.domain.statements import REQUIRED_CLAUSES, fill, load_template

GOOD_CLAUSES = "\n".join(
    f'[[clauses]]\nkey = "{key}"\ntitle = "T {key}"\ntext = "Text {{practice}}"\n'
    for key in REQUIRED_CLAUSES
)


def test_the_shipped_template_has_every_clause_in_plain_words() -> None:
    template = load_template()
    assert [c.key for c in template.clauses] == list(REQUIRED_CLAUSES)
    words = " ".join(c.text for c in template.clauses)
    for phrase in (
        "HIPAA",
        "return all of the practice's property",
        "no longer authorised to access",
        "not recorded in the practice's documentation",
        "reasonable return",
    ):
        assert phrase in words
    assert template.practice_text.title


def test_placeholders_are_filled_and_unknown_braces_left() -> None:
    assert (
        fill(
            "{practice} / {person} / {termination_date} / {other}",
            {"practice": "P", "person": "Q", "termination_date": "1 May"},
        )
        == "P / Q / 1 May / {other}"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("version = 1\ntitle = \n", "is not valid TOML"),
        (
            'version = 1\ntitle = "S"\n[practice_text]\ntitle = "P"\n'
            + GOOD_CLAUSES.replace('key = "access"', 'key = "other"'),
            "wrong at clauses: .*lacks the clause access",
        ),
        (
            'version = 0\ntitle = "S"\n[practice_text]\ntitle = "P"\n' + GOOD_CLAUSES,
            "wrong at version",
        ),
        ('version = 1\ntitle = "S"\n' + GOOD_CLAUSES, "wrong at practice_text"),
    ],
    ids=["toml", "missing-clause", "version", "practice-text"],
)
def test_a_broken_template_names_the_file_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "statement.toml"
    path.write_text(body)
    with pytest.raises(BadInput, match=message) as caught:
        load_template(path)
    assert str(path) in str(caught.value)


def test_a_good_custom_template_loads(tmp_path: Path) -> None:
    path = tmp_path / "statement.toml"
    path.write_text('version = 3\ntitle = "S"\n[practice_text]\ntitle = "P"\n' + GOOD_CLAUSES)
    assert load_template(path).version == 3
