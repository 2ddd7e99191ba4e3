"""The zstd decoder's bounds, whatever the size of the body and wherever its limit lies (station_client.sync.codings).

The decoder reads its output in chunks; these check that the chunks add up to exactly the body, that a body of one
byte over the limit is refused and one at the limit is not, across the chunk size, and that a body of several
frames decodes as one while a truncated frame is refused.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station_client.sync import codings

CHUNK = codings._READ_CHUNK


def _body(size: int, seed: int) -> bytes:
    # Compressible but not trivial: a frame of this is much smaller than its output, as a sync body's is.
    line = f"{seed:08d} Nguyễn Văn An, phường Mạo Khê ".encode()
    return (line * (size // len(line) + 1))[:size]


@settings(max_examples=60, deadline=None)
@given(size=st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17]) | st.integers(1, 4 * CHUNK),
       frames=st.integers(1, 3), slack=st.integers(-2, 2), seed=st.integers(0, 10**6))
def test_a_body_decodes_whole_up_to_its_limit_and_is_refused_past_it(size: int, frames: int, slack: int,
                                                                      seed: int) -> None:
    raw = _body(size, seed)
    cuts = sorted({0, size, *(size * k // frames for k in range(1, frames))})
    body = b"".join(codings.zstd_compress(raw[a:b], 3) for a, b in itertools.pairwise(cuts)) \
        or codings.zstd_compress(b"", 3)
    limit = max(0, size + slack)
    if size <= limit:
        assert codings.zstd_decompress(body, limit) == raw
    else:
        with pytest.raises(codings.TooLarge):
            codings.zstd_decompress(body, limit)


@pytest.mark.parametrize("size", [10, CHUNK + 5000])
def test_a_truncated_frame_is_corrupt_not_a_shorter_body(size: int) -> None:
    body = codings.zstd_compress(_body(size, 7), 3)
    with pytest.raises(codings.CodingError) as caught:
        codings.zstd_decompress(body[:-3], 10 * size)
    assert not isinstance(caught.value, codings.TooLarge)
