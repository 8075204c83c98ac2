"""Properties of the wire format: project encoding happens exactly once, bodies stay in limits."""

from __future__ import annotations

import json
import string
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from finale.adapters.gitlab.wire import (
    MAX_FIELD_CHARS,
    StatusRequest,
    build_payload,
    encode_project,
)

# GitLab project paths: segments of letters, digits, `_`, `-`, `.` joined by `/`.
segment = st.text(string.ascii_letters + string.digits + "_-.", min_size=1, max_size=20)
project_path = st.lists(segment, min_size=1, max_size=4).map("/".join)


@given(project_path)
def test_encoding_is_one_segment_and_idempotent(path):
    encoded = encode_project(path)
    assert "/" not in encoded
    assert urllib.parse.unquote(encoded) == path
    assert encode_project(encoded) == encoded  # an encoded path is not encoded again


@settings(max_examples=200)
@given(st.text(), st.text(), st.text())
def test_body_fields_survive_json_and_respect_limits(name, description, target_url):
    body = build_payload(
        StatusRequest(project="1", sha="a", state="failed", name=name, description=description, target_url=target_url)
    )
    decoded = json.loads(json.dumps(body))
    for key, sent in (("name", name), ("description", description), ("target_url", target_url)):
        if not sent:
            assert key not in decoded
        elif len(sent) <= MAX_FIELD_CHARS:
            assert decoded[key] == sent
        else:
            assert len(decoded[key]) == MAX_FIELD_CHARS
            assert sent.startswith(decoded[key].rstrip(".…"))
