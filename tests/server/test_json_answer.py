"""json_answer.render: orjson's bytes mean what the standard library's meant, and stored fields go in as they are."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from province_server.json_answer import RawJSON, render
from station_client.wire import ascii_json

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@given(_values)
def test_the_answer_decodes_to_what_was_encoded(value: Any) -> None:
    # Any text (lone surrogates too: the standard library's ASCII escapes then) and integers beyond 64 bits.
    assert json.loads(render({"x": value})) == {"x": value}


@given(st.dictionaries(st.text(max_size=8), _values, max_size=6), _values)
def test_stored_fields_go_in_as_they_are(fields: dict[str, Any], other: Any) -> None:
    stored = ascii_json(fields)  # how a record's fields are stored
    answer = {"feed": [{"seq": 1, "fields": RawJSON(stored)}], "other": other}
    assert json.loads(render(answer)) == {"feed": [{"seq": 1, "fields": fields}], "other": other}


def test_compact_utf8_as_before() -> None:
    assert render({"tên": "Nguyễn Văn An", "n": [1, 2.5, None, True]}) == \
        '{"tên":"Nguyễn Văn An","n":[1,2.5,null,true]}'.encode()
    # A key that is not a string, as the standard library writes it.
    assert json.loads(render({1: "a"})) == {"1": "a"}
