"""Identifier formats for the fuzzer (conformance.fuzz.formats): valid values, hints, uniqueness."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.discriminator import load_document
from conformance.errors import ConfigError
from conformance.fuzz import formats
from conformance.generators import elfproef_valid
from conformance.profiles import load_profile


@settings(max_examples=200, deadline=None)
@given(formats.elfproef_numbers())
def test_elfproef_numbers_pass_the_11_proef_in_the_test_range(number: str) -> None:
    assert elfproef_valid(number) and 999_900_000 <= int(number) <= 999_999_999


def test_check_digit_is_the_one_the_11_proef_needs() -> None:
    assert formats._with_check_digit(99990001) == "999900018"
    assert all(elfproef_valid(n) for p in range(99990000, 99990200) if (n := formats._with_check_digit(p)))


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_strategies_follow_the_runs_bsn_and_kvk_ranges(data: st.DataObject) -> None:
    formats.reset(bsn_range=(123_400_000, 123_409_999), kvk_range=(12_340_000, 12_340_009))
    try:
        number = data.draw(formats.elfproef_numbers())
        kvk = data.draw(formats.STRATEGIES["kvk-nummer"]())
    finally:
        formats.reset()
    assert elfproef_valid(number) and 123_400_000 <= int(number) <= 123_409_999
    assert 12_340_000 <= int(kvk) <= 12_340_009


def test_fresh_values_are_unique_per_session_and_reproducible_after_reset() -> None:
    fresh = formats.Fresh()
    drawn = [fresh.take(5, 1, 10) for _ in range(10)]
    assert sorted(drawn) == list(range(1, 11))
    assert fresh.take(5, 1, 10) == 5  # exhausted: a repeat rather than a hang
    fresh.reset()
    assert [fresh.take(5, 1, 10) for _ in range(10)] == drawn


def _linear_take(used: set[int], prefix: int, low: int, high: int) -> int:
    """The plain definition ``Fresh.take`` must agree with: probe forward from ``prefix``, wrapping."""
    span = high - low + 1
    for offset in range(span):
        candidate = low + (prefix - low + offset) % span
        if candidate not in used:
            used.add(candidate)
            return candidate
    return prefix


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.lists(st.integers(-5, 60), max_size=80))
def test_fresh_take_hands_out_what_a_linear_probe_would(high: int, prefixes: list[int]) -> None:
    fresh, used = formats.Fresh(), set()
    for prefix in prefixes:
        assert fresh.take(prefix, 1, high) == _linear_take(used, prefix, 1, high)


def test_hints_mark_string_properties_and_query_parameters_only() -> None:
    document = {
        "paths": {
            "/k": {
                "get": {"parameters": [{"name": "inpBsn", "in": "query", "schema": {"type": "string"}}]},
            }
        },
        "components": {
            "schemas": {
                "K": {
                    "properties": {
                        "inpBsn": {"type": "string", "maxLength": 9},
                        "bronorganisatie": {"type": "integer"},
                        "subject": {"type": "string", "format": "uri"},
                    }
                }
            }
        },
    }
    hinted = formats.with_formats(document, {"inpBsn": "bsn", "bronorganisatie": "rsin", "subject": "rsin"})
    props = hinted["components"]["schemas"]["K"]["properties"]
    assert props["inpBsn"] == {"type": "string", "maxLength": 9, "format": "bsn"}
    assert "format" not in props["bronorganisatie"]  # not a string: left alone
    assert props["subject"]["format"] == "uri"  # an existing format is never replaced
    assert hinted["paths"]["/k"]["get"]["parameters"][0]["schema"]["format"] == "bsn"
    assert "format" not in document["components"]["schemas"]["K"]["properties"]["inpBsn"]  # a copy
    with pytest.raises(ConfigError, match="unknown fuzz format"):
        formats.with_formats(document, {"inpBsn": "passport"})


def test_the_klanten_profile_hints_its_identifiers_and_the_contract_file_stays_faithful() -> None:
    profile = load_profile("klanten-v1")
    hints = dict(profile.fuzz_formats)
    assert hints["bronorganisatie"] == "rsin" and hints["inpBsn"] == "bsn"
    assert "format: bsn" not in profile.spec_path.read_text(encoding="utf-8")
    hinted = formats.hinted(load_document(profile.spec_path), hints)
    klant = hinted["components"]["schemas"]["Klant"]["properties"]
    assert klant["bronorganisatie"]["format"] == "rsin" and klant["klantnummer"]["format"] == "klantnummer"
