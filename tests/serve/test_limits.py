"""Request limits: JSON depth is measured on the bytes, strings skipped."""

from __future__ import annotations

import pytest

from planrisk.serve.limits import BadRequest, decode_object, json_depth
from planrisk.serve.outbound import on_origin


def test_depth_counts_brackets_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "[[[[[[\\"[[["}') == 1
    assert json_depth(b"[]") == 1


def test_decode_object_refuses_deep_non_json_and_non_objects() -> None:
    assert decode_object(b'{"a": 1}', 4) == {"a": 1}
    for data, reason in ((b"[" * 80 + b"]" * 80, "deeper"), (b"{", "not JSON"), (b"[]", "object")):
        with pytest.raises(BadRequest, match=reason):
            decode_object(data, 64)


def test_the_token_goes_only_to_the_configured_origin() -> None:
    origin = "https://app.terraform.io"
    assert on_origin("https://app.terraform.io/api/v2/plans/x/json-output", origin)
    assert on_origin("https://APP.terraform.io:443/api", origin)
    assert not on_origin("https://app.terraform.io.evil.test/api", origin)
    assert not on_origin("http://app.terraform.io/api", origin)
    assert not on_origin("https://user@app.terraform.io/api", origin)
    assert not on_origin("https://app.terraform.io:8443/api", origin)
    assert not on_origin("file:///etc/passwd", origin)
