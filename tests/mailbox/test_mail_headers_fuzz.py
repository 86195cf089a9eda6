"""The quick header reader against the standard library's compat32 parser, on drawn blocks.

`itexit.io.mbox` reads well-formed header blocks itself and hands anything else to
`BytesHeaderParser`. Whenever it reads a block itself, every field it keeps must decode to what
the standard library gives for the same bytes; blocks it declines must be ones the standard
library finds defects in, or ones with a line it could not place.
"""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32

from hypothesis import given, settings
from hypothesis import strategies as st

from itexit.io.mbox import _WANTED, _fast_fields, decode

PARSER = BytesHeaderParser(policy=compat32)

OTHER_NAME = r"[A-Za-z][A-Za-z0-9-]{0,12}"
NAMES = [*(_WANTED[key] for key in _WANTED), *_WANTED, "FROM", "Subject", "Received", "X-Mailer"]
VALUE_PIECES = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from([":", "\t", "\r", "=?utf-8?q?Caf=C3=A9?=", "é", "\x85", "€"]),
)


def value_text(max_size: int) -> st.SearchStrategy[str]:
    return st.lists(VALUE_PIECES, max_size=max_size).map("".join)


def field_line() -> st.SearchStrategy[str]:
    return st.builds(
        lambda name, gap, value: f"{name}:{gap}{value}",
        st.one_of(st.sampled_from(NAMES), st.from_regex(OTHER_NAME, fullmatch=True)),
        st.sampled_from(["", " ", "  ", "\t"]),
        value_text(40),
    )


def continuation_line() -> st.SearchStrategy[str]:
    return st.builds(
        lambda lead, value: lead + value,
        st.sampled_from([" ", "\t", "  "]),
        value_text(30),
    )


ODD_LINES = st.sampled_from(
    ["no colon here", "Bad Name: value", ": no name", "Na\x00me: x", "Naïve: x", "x"]
)


@st.composite
def header_blocks(draw: st.DrawFn) -> bytes:
    first = draw(field_line())
    rest = draw(
        st.lists(st.one_of(field_line(), field_line(), continuation_line(), ODD_LINES), max_size=12)
    )
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join([first, *rest]) + ending
    return text.encode("utf-8", "surrogateescape")


@settings(max_examples=400, deadline=None)
@given(header_blocks())
def test_fields_read_quickly_decode_as_the_standard_library_reads_them(block: bytes) -> None:
    fast = _fast_fields(block)
    message = PARSER.parsebytes(block)
    if fast is None:
        return
    assert not message.defects, "a block the standard library finds defects in was read"
    raw: dict[str, str] = {}
    for name, value in message.raw_items():  # the values as read, before any conversion
        raw.setdefault(name.lower(), value)
    for key in _WANTED:
        expected = raw.get(key)
        got = fast.get(key)
        assert (got is None) == (expected is None), key
        if expected is not None:
            assert decode(got) == decode(expected), key


@settings(max_examples=150, deadline=None)
@given(header_blocks(), st.sampled_from(["no colon here", "Bad Name: value", ": no name"]))
def test_a_block_with_a_line_that_is_no_field_is_left_to_the_standard_library(
    block: bytes, odd: str
) -> None:
    assert _fast_fields(block + odd.encode() + b"\n") is None
    assert _fast_fields(b" " + block) is None
