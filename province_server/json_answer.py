"""The JSON of an answer, encoded by orjson (several times faster than the standard library: a sync answer's
encoding and its feed's decoding were a twentieth of a request's CPU, py-spy), with the same output: compact,
UTF-8, keys in insertion order.

A feed entry's fields are stored as JSON text; ``RawJSON`` puts that text into the answer as it is, without decoding
it into objects only to encode them again. Whatever orjson refuses (a lone surrogate, an integer beyond 64 bits,
a key that is not a string) is encoded by the standard library as before, ASCII escapes if needed.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


class RawJSON:
    """JSON text written into an answer as it is (a stored ``fields`` column: ASCII-only JSON from
    ``wire.ascii_json``). Not a dataclass: orjson would encode a dataclass as an object of its attributes."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self) -> Any:
        return json.loads(self.text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawJSON) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"RawJSON({self.text!r})"


def _fragment(value: Any) -> Any:
    if isinstance(value, RawJSON):
        return orjson.Fragment(value.text)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _decoded(value: Any) -> Any:
    if isinstance(value, RawJSON):
        return value.value()
    raise TypeError(f"not JSON: {type(value).__name__}")


def render(content: Any) -> bytes:
    try:
        return orjson.dumps(content, default=_fragment)
    except TypeError:  # (orjson.JSONEncodeError is one) the standard library's rules for what orjson refuses
        pass
    try:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=_decoded).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8: ASCII escapes
        return json.dumps(content, ensure_ascii=True, separators=(",", ":"), default=_decoded).encode("ascii")
