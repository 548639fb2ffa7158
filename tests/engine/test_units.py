"""Unit tests of the small parts, each with failing inputs."""

from __future__ import annotations

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import checks, jsonpath
from conformance.auth import AuthMode, NoAuth, SchemeAuth, ZgwJwtAuth
from conformance.config import resolve
from conformance.errors import ConfigError
from conformance.evidence import Redactor
from conformance.failures import BodyMismatch, StatusMismatch
from conformance.generators import IdentifierGenerator, elfproef_valid
from conformance.model import Assertion, CountAssertion, HeaderAssertion
from conformance.runner import counts_hold
from conformance.templating import UndefinedVariable, names_in, render
from conformance.verdicts import ExitCode, Verdict, exit_code_for, worst

# --- generators -------------------------------------------------------------------------------


def test_known_numbers() -> None:
    assert elfproef_valid("999990019") and elfproef_valid("123456782")
    assert (
        not elfproef_valid("123456789") and not elfproef_valid("12345678") and not elfproef_valid("12345678A")
    )


@given(seed=st.text(max_size=8), count=st.integers(1, 60))
def test_generated_bsns_are_valid_unique_and_in_range(seed: str, count: int) -> None:
    gen = IdentifierGenerator(seed)
    values = [gen.bsn() for _ in range(count)] + [gen.rsin() for _ in range(count)]
    assert len(set(values)) == len(values)
    assert all(elfproef_valid(v) and 999_900_000 <= int(v) <= 999_999_999 for v in values)


@given(seed=st.text(max_size=8), low=st.integers(100_000_000, 900_000_000))
def test_bsn_range_is_honoured(seed: str, low: int) -> None:
    gen = IdentifierGenerator(seed, bsn_range=(low, low + 5_000))
    value = gen.bsn()
    assert low <= int(value) <= low + 5_000 and elfproef_valid(value)


@given(seed=st.text(max_size=8))
def test_invalid_variants_are_invalid(seed: str) -> None:
    gen = IdentifierGenerator(seed)
    bad = gen.generate("bsn_bad_checksum")
    assert len(bad) == 9 and bad.isdigit() and not elfproef_valid(bad)
    assert len(gen.generate("bsn_too_short")) == 8
    assert len(gen.generate("bsn_too_long")) == 10
    assert not gen.generate("bsn_not_digits").isdigit()
    assert len(gen.generate("kvk_too_short")) == 7 and len(gen.generate("kvk_too_long")) == 9


@given(seed=st.text(max_size=8))
def test_kvk_and_vestigingsnummer_shapes(seed: str) -> None:
    gen = IdentifierGenerator(seed)
    kvk, vestiging = gen.kvk(), gen.vestigingsnummer()
    assert len(kvk) == 8 and kvk.isdigit() and 99_990_000 <= int(kvk) <= 99_999_999
    assert len(vestiging) == 12 and vestiging.isdigit()


def test_same_seed_same_values() -> None:
    assert [IdentifierGenerator("x").bsn() for _ in range(2)] == [IdentifierGenerator("x").bsn()] * 2


def test_tiny_range_is_exhausted_with_a_clear_error() -> None:
    gen = IdentifierGenerator("x", bsn_range=(999_990_019, 999_990_019))
    assert gen.bsn() == "999990019"
    with pytest.raises(ValueError, match="no unused value"):
        gen.bsn()


# --- templating ---------------------------------------------------------------------------------


def test_render_keeps_type_for_whole_templates() -> None:
    values = {"obj": {"a": 1}, "n": 3}
    assert render("{{ obj }}", values.__getitem__) == {"a": 1}
    assert render("n={{ n }}", values.__getitem__) == "n=3"
    assert render({"k": ["{{ n }}"]}, values.__getitem__) == {"k": [3]}


def test_render_never_evaluates() -> None:
    assert render("{{ __import__('os') }}", lambda name: pytest.fail("resolved")) == "{{ __import__('os') }}"


def test_undefined_variable_raises() -> None:
    def resolve(name: str) -> object:
        raise UndefinedVariable(name)

    with pytest.raises(UndefinedVariable):
        render("{{ nope }}", resolve)


def test_names_in() -> None:
    assert list(names_in({"a": ["{{ x }}-{{ gen.bsn }}"]})) == ["x", "gen.bsn"]


# --- jsonpath and checks ------------------------------------------------------------------------

BODY = {"count": 2, "results": [{"uuid": "a", "n": None}, {"uuid": "b"}], "flag": True}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("count", (True, 2)),
        ("results[1].uuid", (True, "b")),
        ("results[*].uuid", (True, ["a", "b"])),
        ("results[5]", (False, None)),
        ("nope", (False, None)),
        ("$", (True, BODY)),
        ("results[0].n", (True, None)),
    ],
)
def test_jsonpath(path: str, expected: tuple[bool, object]) -> None:
    assert jsonpath.resolve(BODY, path) == expected


@pytest.mark.parametrize(
    ("operator", "path", "operand"),
    [
        ("equals", "count", 3),
        ("equals", "count", "2"),
        ("equals", "flag", 1),
        ("not_equals", "count", 2),
        ("one_of", "count", [1, 3]),
        ("contains", "results[*].uuid", "c"),
        ("not_contains", "results[*].uuid", "a"),
        ("absent", "count", True),
        ("present", "nope", True),
        ("matches", "results[0].uuid", "^z"),
        ("count", "results", 3),
        ("count", "count", 2),
        ("equals", "nope", None),
    ],
)
def test_each_assertion_fails_on_a_failing_input(operator: str, path: str, operand: object) -> None:
    with pytest.raises(BodyMismatch) as info:
        checks.body_assertion_holds(BODY, Assertion(path, operator, operand))
    assert path in info.value.message and info.value.expected is not None


@pytest.mark.parametrize(
    ("operator", "path", "operand"),
    [
        ("equals", "count", 2.0),
        ("equals", "flag", True),
        ("one_of", "count", [1, 2]),
        ("contains", "results[*].uuid", "b"),
        ("absent", "nope", True),
        ("matches", "results[0].uuid", "^a$"),
        ("count", "results", 2),
        ("equals", "results[0].n", None),
    ],
)
def test_each_assertion_passes_on_a_matching_input(operator: str, path: str, operand: object) -> None:
    checks.body_assertion_holds(BODY, Assertion(path, operator, operand))


def test_status_checks() -> None:
    checks.status_is_accepted(404, (400, "4xx"))
    with pytest.raises(StatusMismatch):
        checks.status_is_accepted(500, (400, "4xx"))
    with pytest.raises(StatusMismatch):
        checks.status_is_accepted(201, (200,))


def test_header_checks() -> None:
    headers = {"WWW-Authenticate": "Token"}
    checks.header_assertion_holds(headers, HeaderAssertion("www-authenticate", "matches", "^Tok"))
    with pytest.raises(BodyMismatch):
        checks.header_assertion_holds(headers, HeaderAssertion("Location", "present"))
    with pytest.raises(BodyMismatch):
        checks.header_assertion_holds(headers, HeaderAssertion("WWW-Authenticate", "equals", "Bearer"))


def test_leak_check_finds_escaped_and_header_values() -> None:
    with pytest.raises(BodyMismatch):
        checks.body_excludes_values('{"n": "Jos\\u00e9"}', {}, ["José"])
    with pytest.raises(BodyMismatch):
        checks.body_excludes_values("{}", {"Location": "/p/abc-123"}, ["abc-123"])
    checks.body_excludes_values('{"n": "x"}', {}, ["José", 999990019])


def test_problem_details_check() -> None:
    good = {"type": "t", "code": "c", "title": "t", "status": 400, "detail": "d", "instance": "urn:uuid:1"}
    checks.body_is_problem_details(good, 400)
    with pytest.raises(BodyMismatch, match="lacks"):
        checks.body_is_problem_details({"detail": "x"}, 400)
    with pytest.raises(BodyMismatch, match="differs"):
        checks.body_is_problem_details(good, 401)
    with pytest.raises(BodyMismatch):
        checks.body_is_problem_details(["not", "an", "object"], 400)


def test_invalid_params_check() -> None:
    body = {"invalidParams": [{"name": "partijIdentificator.objectId", "code": "invalid", "reason": "r"}]}
    checks.invalid_params_name(body, ["(?i)objectid"])
    with pytest.raises(BodyMismatch):
        checks.invalid_params_name(body, ["codeRegister"])
    with pytest.raises(BodyMismatch):
        checks.invalid_params_name({}, ["x"])


def test_count_assertions() -> None:
    counts_hold(CountAssertion(("2xx",), equals=1), [201, 400, 400])
    counts_hold(CountAssertion((400,), at_least=2, at_most=2), [201, 400, 400])
    with pytest.raises(BodyMismatch, match="wrong number"):
        counts_hold(CountAssertion(("2xx",), equals=1), [201, 201, 400])
    with pytest.raises(BodyMismatch):
        counts_hold(CountAssertion(("4xx",), at_least=3), [201, 400, 400])


# --- verdicts -------------------------------------------------------------------------------------


def test_worst_and_exit_codes() -> None:
    assert worst([Verdict.PASS, Verdict.ERROR, Verdict.FAIL]) is Verdict.FAIL
    assert worst([Verdict.PASS, Verdict.INCONCLUSIVE]) is Verdict.INCONCLUSIVE
    assert worst([]) is Verdict.NOT_TESTED
    assert exit_code_for([Verdict.PASS, Verdict.NOT_TESTED, Verdict.NOT_APPLICABLE]) is ExitCode.CONFORMANT
    assert exit_code_for([Verdict.PASS, Verdict.FAIL, Verdict.ERROR]) is ExitCode.NON_CONFORMANT
    assert exit_code_for([Verdict.PASS, Verdict.ERROR]) is ExitCode.TARGET_OR_TOOL_ERROR
    assert exit_code_for([Verdict.INCONCLUSIVE]) is ExitCode.INCONCLUSIVE


# --- auth and redaction ---------------------------------------------------------------------------


def test_scheme_auth_modes() -> None:
    auth = SchemeAuth("k" * 40)
    assert auth.headers(AuthMode.DEFAULT) == {"Authorization": "Token " + "k" * 40}
    assert auth.headers(AuthMode.NONE) == {}
    assert auth.headers(AuthMode.WRONG_SCHEME) == {"Authorization": "Bearer " + "k" * 40}
    invalid = auth.headers(AuthMode.INVALID)["Authorization"]
    assert invalid.startswith("Token ") and "k" * 40 not in invalid and len(invalid) == len("Token ") + 40


def test_static_header_auth_keeps_scheme() -> None:
    auth = SchemeAuth.from_header_value("Bearer abc.def")
    assert auth.headers(AuthMode.DEFAULT) == {"Authorization": "Bearer abc.def"}
    assert auth.headers(AuthMode.WRONG_SCHEME) == {"Authorization": "Token abc.def"}
    assert auth.headers(AuthMode.INVALID)["Authorization"].startswith("Bearer ")
    bare = SchemeAuth.from_header_value("opaque-key-1234")
    assert bare.headers(AuthMode.DEFAULT) == {"Authorization": "opaque-key-1234"}
    assert bare.secrets() == ["opaque-key-1234"]


def test_zgw_jwt_claims_and_invalid_signature() -> None:
    auth = ZgwJwtAuth("client", "s3cret-value-that-is-32-bytes-long!")
    token = auth.headers(AuthMode.DEFAULT)["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, "s3cret-value-that-is-32-bytes-long!", algorithms=["HS256"])
    assert claims["client_id"] == claims["iss"] == "client"
    assert {"iat", "user_id", "user_representation"} <= set(claims)
    bad = auth.headers(AuthMode.INVALID)["Authorization"].removeprefix("Bearer ")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(bad, "s3cret-value-that-is-32-bytes-long!", algorithms=["HS256"])
    assert token in auth.secrets()


def test_no_auth_sends_nothing_by_default() -> None:
    assert NoAuth().headers(AuthMode.DEFAULT) == {} and not NoAuth().has_credentials


def test_redactor_masks_credentials_everywhere() -> None:
    redactor = Redactor.for_secrets(["supersecret"])
    assert redactor.headers({"Authorization": "Token supersecret"}) == {"Authorization": "Token [redacted]"}
    assert redactor.headers({"X-Echo": "a supersecret b"}) == {"X-Echo": "a [redacted] b"}
    assert redactor.value({"k": ["supersecret"]}) == {"k": ["[redacted]"]}
    assert redactor.text("http://h/?t=supersecret") == "http://h/?t=[redacted]"


# --- configuration ------------------------------------------------------------------------------


def test_precedence_cli_env_file_default() -> None:
    env = {"KLANTEN_CONFORMANCE_TARGET_URL": "http://env/", "KLANTEN_CONFORMANCE_READ_TIMEOUT": "7"}
    file = {"target_url": "http://file", "read_timeout": 9, "connect_timeout": 2}
    settings = resolve({"target_url": "http://cli/"}, env, file)
    assert settings.target_url == "http://cli"
    assert settings.read_timeout == 7.0 and settings.connect_timeout == 2
    assert resolve({}, {}, {}).read_timeout == 10.0
    assert resolve({}, env, file).target_url == "http://env"


def test_bad_values_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="KLANTEN_CONFORMANCE_READ_TIMEOUT"):
        resolve({}, {"KLANTEN_CONFORMANCE_READ_TIMEOUT": "soon"}, {})
    with pytest.raises(ConfigError, match="unknown setting"):
        resolve({}, {}, {"target": "x"})
    with pytest.raises(ConfigError):
        resolve({"bsn_range": "5-1"}, {}, {})


def test_bsn_is_found_from_any_start_in_a_sparse_range() -> None:
    # 1..40 holds valid numbers, but none within 11 steps of a start near 1: a walk of 11 steps up
    # and down (the old search) raised ExhaustedRange for such starts.
    values = {IdentifierGenerator(str(seed), bsn_range=(1, 40)).bsn() for seed in range(300)}
    assert values and all(1 <= int(v) <= 40 and elfproef_valid(v) for v in values)
