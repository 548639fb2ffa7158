"""Recorded HTTP exchanges and the redaction applied before anything is written.

Evidence is what a vendor hands to a municipality, so it must be complete (request, response,
timing) and must never contain a credential. Redaction happens when an exchange is recorded,
not when a report is written, so no later writer can forget it.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
import shlex
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urlsplit, urlunsplit

REDACTED = "[redacted]"
# schemathesis' own placeholder (its reproductions of fuzzed cases): reported as ours, so a redacted
# secret looks the same whether the exchange came from a scenario or from fuzzing.
FOREIGN_PLACEHOLDERS = ("[Filtered]",)

# Headers whose values are credentials whatever they contain.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

# Bodies are kept whole up to this size; evidence of a 10 MB response is its first 64 KiB.
MAX_EVIDENCE_BODY = 64 * 1024


class Redactor:
    """Scrubs known secret values and secret headers out of every text that leaves the run.

    It learns: credentials minted during the run (a ZGW JWT per request) and any credential a
    request carried are added with ``learn`` before the exchange is recorded, so an echo of
    them in a response body, a message or a finding is scrubbed too.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self._encoded: tuple[str, ...] = ()  # base64 spellings of the secrets (matched exactly)
        self._forms: tuple[str, ...] = ()  # every spelling, lower-cased: the fast "no secret here" test
        self.learn(*secrets)

    @classmethod
    def for_secrets(cls, secrets: Iterable[str]) -> Redactor:
        """A redactor for these values; short values (under 4 chars) are ignored as too ambiguous."""
        return cls(secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def learn(self, *values: str) -> None:
        """Add secrets (and the parts of a ``user:password`` pair); longest are replaced first."""
        fresh = {v for v in values if v and len(v) >= 4 and v not in self._secrets}
        fresh |= {part for v in fresh if ":" in v for part in v.split(":", 1) if len(part) >= 4}
        if not fresh:
            return
        with self._lock:
            merged = set(self._secrets) | fresh
            self._secrets = tuple(sorted(merged, key=len, reverse=True))
            spelled = {f for secret in self._secrets for f in encoded_forms(secret)}
            self._encoded = tuple(sorted(spelled - set(self._secrets), key=len, reverse=True))
            self._forms = tuple(dict.fromkeys(f.lower() for f in (*self._secrets, *self._encoded)))

    def learn_headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Learn the credential of every secret header (the value after the scheme word)."""
        items = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in items:
            if name.lower() in SECRET_HEADERS and value:
                if value.strip().lower() in SCHEME_WORDS:
                    continue  # the scheme alone (the invariant layer sends it): no secret in it
                match = _SCHEME.match(value)
                self.learn(value[match.end(1) :].strip() if match else value)

    def text(self, value: str) -> str:
        """``value`` with every secret replaced (and other tools' placeholders made ours)."""
        for placeholder in FOREIGN_PLACEHOLDERS:
            if placeholder in value:
                value = value.replace(placeholder, REDACTED)
        if not self._forms or not value:
            return value
        escaped = "%" in value or "\\" in value
        if not escaped:
            lowered = value.lower()
            if not any(form in lowered for form in self._forms):
                return value  # the common case: no secret in any spelling
        return _scrub_spans(value, self._secrets, self._encoded)

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """Headers with credential headers masked and secrets scrubbed from the rest."""
        items = headers.items() if isinstance(headers, Mapping) else headers
        out: dict[str, str] = {}
        for name, value in items:
            if name.lower() in SECRET_HEADERS:
                out[name] = _mask_credential(value)
            else:
                out[name] = self.text(value)
        return out

    def value(self, data: Any) -> Any:
        """A JSON-like value with secrets scrubbed from every string in it."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self.value(v) for v in data]
        if isinstance(data, dict):
            return {self.text(str(k)): self.value(v) for k, v in data.items()}
        return data

    def url(self, url: str) -> str:
        """``url`` without its user info (``user:password@``) and with secrets scrubbed."""
        return self.text(split_userinfo(url)[0])

    def exception(self, exc: E) -> E:
        """``exc`` with secrets scrubbed from its text (a conformance failure is scrubbed in place)."""
        from conformance.failures import ConformanceFailure

        if isinstance(exc, ConformanceFailure):
            exc.message = self.text(exc.message)
            exc.expected = self._scrub(exc.expected)
            exc.received = self._scrub(exc.received)
            exc.args = (exc.message,)
            return exc
        text = str(exc)
        clean = self.text(text)
        if clean == text:
            return exc
        try:
            replacement: BaseException = type(exc)(clean)
        except Exception:  # a type with another constructor: keep the text, lose the type
            replacement = RuntimeError(clean)
        return cast(E, replacement)

    def _scrub(self, value: Any) -> Any:
        if value is None or isinstance(value, int | float | bool):
            return value
        text = value if isinstance(value, str) else str(value)
        clean = self.text(text)
        return value if clean == text else clean


E = TypeVar("E", bound=BaseException)


def split_userinfo(url: str) -> tuple[str, str | None]:
    """``url`` without its user info, and that user info (percent-decoded), or None.

    User info in a target URL is never sent (httpx and requests would turn it into Basic auth on
    every request, replacing the run's credential) and never printed: it is a secret to redact.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    info, host = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=host)), unquote(info)


def userinfo_secrets(info: str | None) -> list[str]:
    """The secrets of a ``user:password`` pair: the pair, each part, and the Basic credential."""
    if not info:
        return []
    return [info, base64.b64encode(info.encode()).decode(), *info.split(":", 1)]


# Base64 forms are only derived from secrets this long: a shorter one yields fragments that would
# match ordinary text.
_MIN_BASE64_SECRET = 6


def encoded_forms(secret: str) -> list[str]:
    """The spellings of ``secret`` a target may echo, besides escapes: raw, and its base64 (standard
    and URL-safe) at each of the three byte alignments, so it is found inside a longer encoded value
    such as ``Basic base64(user:password)``."""
    forms = [secret]
    raw = secret.encode()
    if len(raw) < _MIN_BASE64_SECRET:
        return forms
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        start, end = (8 * offset + 5) // 6, (8 * (offset + len(raw))) // 6
        fragment = encoded[start:end]
        forms += [fragment, fragment.translate(_URLSAFE)]
    return list(dict.fromkeys(forms))


_URLSAFE = str.maketrans("+/", "-_")


# An escape a target may wrap a character in: percent-encoding (either hex case), a JSON \\u escape,
# or JSON's backslash escapes of ``/``, ``"`` and ``\\``.
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\([/\"\\])")


def _unescaped(value: str) -> tuple[str, Callable[[int], int]]:
    """``value`` with every escape decoded, and a map from an index of the decoded text to the index
    in ``value`` where that character starts (a match maps back to the span to replace)."""
    parts: list[str] = []
    marks_decoded, marks_original = [0], [0]  # where the offset between the two texts changes
    at = decoded = 0
    for match in _ESCAPE.finditer(value):
        parts.append(value[at : match.start()])
        decoded += match.start() - at
        at = match.end()
        hex_byte, hex_char, plain = match.groups()
        if hex_byte is not None and int(hex_byte, 16) >= 0x80:  # a UTF-8 byte: left as written
            parts.append(match.group(0))
            decoded += len(match.group(0))
            continue
        parts.append(plain or chr(int(hex_byte or hex_char, 16)))
        marks_decoded += [decoded, decoded + 1]
        marks_original += [match.start(), match.end()]
        decoded += 1
    parts.append(value[at:])

    def original(index: int) -> int:
        mark = bisect.bisect_right(marks_decoded, index) - 1
        return marks_original[mark] + index - marks_decoded[mark]

    return "".join(parts), original


def _scrub_spans(value: str, secrets: Iterable[str], encoded: Iterable[str]) -> str:
    """``value`` with every spelling of every secret replaced: raw secrets in any letter case and
    under any escape, base64 spellings exactly (folding them would redact ordinary text)."""
    text, original = _unescaped(value)
    folded = text.lower()
    if len(folded) != len(text):  # a character whose lower case is longer: compare as written
        folded = text
    spans: list[tuple[int, int]] = []
    for haystack, needles in ((folded, [s.lower() for s in secrets]), (text, list(encoded))):
        for needle in needles:
            at = haystack.find(needle)
            while at >= 0:
                spans.append((original(at), original(at + len(needle))))
                at = haystack.find(needle, at + 1)
    if not spans:
        return value
    out, last = [], 0
    for begin, end in sorted(spans):
        if begin < last:  # overlapping matches: extend the span already replaced
            if end > last:
                last = end
            continue
        out += [value[last:begin], REDACTED]
        last = end
    out.append(value[last:])
    return "".join(out)


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s+\S")
# Authorization scheme words: sent alone they carry no credential, and learning one as a secret
# would redact the scheme of every header in the evidence ("[redacted] [redacted]").
SCHEME_WORDS = frozenset({"token", "bearer", "basic", "digest", "apikey", "api-key", "jwt"})


def _mask_credential(value: str) -> str:
    """Keep the auth scheme (it is evidence: 'Token' vs 'Bearer'), drop the credential."""
    match = _SCHEME.match(value)
    return f"{match.group(1)} {REDACTED}" if match else REDACTED


@dataclass
class Exchange:
    """One request and its response (or the error that replaced it), already redacted."""

    step: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    elapsed_s: float | None = None
    error: str | None = None
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used in reports and the evidence bundle."""
        return {
            "step": self.step,
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": None
            if self.status is None
            else {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
                "truncated": self.truncated,
            },
            "elapsed_s": self.elapsed_s,
            "error": self.error,
        }

    def summary(self) -> str:
        """One line for terminal output: ``POST /x -> 201 (12 ms)``."""
        outcome = self.error if self.status is None else str(self.status)
        ms = f" ({self.elapsed_s * 1000:.0f} ms)" if self.elapsed_s is not None else ""
        return f"{self.method} {self.url} -> {outcome}{ms}"


# Headers a reader of a reproduction does not need: curl sets them itself.
_CURL_SKIPPED = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent"})


def curl_command(method: str, url: str, headers: Mapping[str, str], body: str | None = None) -> str:
    """A shell-quoted curl command; the caller passes values that are already redacted."""
    parts = ["curl", "-X", method]
    for name, value in headers.items():
        if name.lower() not in _CURL_SKIPPED:
            parts += ["-H", f"{name}: {value}"]
    if body is not None:
        parts += ["-d", body]
    parts.append(url)
    return " ".join(shlex.quote(p) for p in parts)


def curl(exchange: Exchange) -> str:
    """A copy-paste reproduction of an (already redacted) exchange."""
    body = None if exchange.request_body is None else json.dumps(exchange.request_body, ensure_ascii=False)
    return curl_command(exchange.method, exchange.url, exchange.request_headers, body)
