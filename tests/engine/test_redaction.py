"""Issue 22, item 3: the redactor finds a secret in every spelling an echoing target produces."""

from __future__ import annotations

import pytest

from conformance.config import resolve
from conformance.evidence import Redactor, split_userinfo
from tests.support.echo_proxy import base64_fragments, spellings

SECRET = "Tk+/=s3cr3t-Z9~x"


@pytest.mark.parametrize("form", spellings(SECRET))
def test_every_spelling_is_redacted(form: str) -> None:
    text = Redactor([SECRET]).text(f"before {form} after")
    assert text.startswith("before ") and text.endswith(" after")
    assert form not in text and SECRET.lower() not in text.lower()
    assert not any(fragment in text for fragment in base64_fragments(SECRET))


def test_a_json_body_and_mixed_escapes_are_redacted() -> None:
    redactor = Redactor([SECRET])
    mixed = "Tk%2b\\u002f=S3CR3T-z9~X"  # percent, \\u and case-folding in one value
    assert redactor.text(f'{{"a": "{mixed}"}}') == '{"a": "[redacted]"}'
    assert redactor.value({"k": [f"x{SECRET.upper()}y"]}) == {"k": ["x[redacted]y"]}
    upper_escaped = "".join(f"\\u{ord(c):04X}" for c in SECRET.upper())  # escapes of the upper-cased echo
    assert redactor.text(upper_escaped) == "[redacted]"


def test_text_without_a_secret_is_returned_unchanged() -> None:
    text = "GET /partijen?x=%20 -> 200 \\u0041 " + "0123456789abcdef" * 100
    assert Redactor([SECRET]).text(text) == text


def test_user_info_is_stripped_from_the_target_and_kept_as_a_secret() -> None:
    settings = resolve({"target_url": "http://vendor:p%40ss-w0rd@host/api/"}, {}, {})
    assert settings.target_url == "http://host/api"
    assert "p@ss-w0rd" in settings.secrets()
    assert "vendor:p@ss-w0rd" not in repr(settings)
    assert split_userinfo("http://host/x") == ("http://host/x", None)
    assert Redactor().url("https://u:pw@h/x") == "https://h/x"


@pytest.mark.parametrize("sent", ["Token", "Bearer", " bearer "])
def test_a_scheme_word_sent_alone_is_no_secret_but_a_key_after_it_is(sent: str) -> None:
    """The invariant layer sends the scheme alone as a credential form: learning it would redact the
    scheme of every header in the evidence."""
    redactor = Redactor()
    redactor.learn_headers({"Authorization": sent})
    assert redactor.text("Authorization: Token abc, Bearer def") == "Authorization: Token abc, Bearer def"
    redactor.learn_headers({"Authorization": "Token " + "k" * 40})
    assert redactor.text("Token " + "k" * 40) == "Token [redacted]"
