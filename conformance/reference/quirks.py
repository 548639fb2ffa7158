"""Named quirks of the reference server for the invariant layer (issue 18): one gap each in an
otherwise correct rule (a broken variant), or a conformant-but-unusual behaviour (a control).

``Switches.quirk`` names at most one; the hooks in ``partijen``, ``contacten``, ``klanten/klant``
and the two apps ask the predicates here, so the resource code keeps one line per hook. Each gap
is on a route or a form the scenarios were not written for: only a property over every route
catches it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

from conformance.reference import problems
from conformance.reference.problems import InvalidParam

if TYPE_CHECKING:  # storage imports variants, which names these quirks
    from conformance.reference.storage import Store

# -- broken: KLOK01 R4 enforced by the application on some routes only (no unique index) ----------
BSN_ON_CREATE_ONLY = "bsn-unique-on-create-only"
BSN_PER_SOORT = "bsn-unique-per-soort"
BSN_LINK_UNCHECKED = "bsn-link-unchecked"
APP_BSN_CHECKS = frozenset({BSN_ON_CREATE_ONLY, BSN_PER_SOORT, BSN_LINK_UNCHECKED})
# -- broken: R6 and R13 skipped on one route -------------------------------------------------------
NP_NNP_SEPARATE = "np-nnp-on-separate-route"
NP_NNP_UPDATE = "np-nnp-on-partij-update"
ZELFSTANDIG_VIA_MOVE = "zelfstandig-via-move"
ZELFSTANDIG_VIA_PUT = "zelfstandig-via-put"
BETROKKENE_LINK_VIA_PUT = "betrokkene-link-via-put"
BETROKKENE_NEEDS_PARTIJ = "betrokkene-needs-partij"
# -- broken: credential forms and URL forms --------------------------------------------------------
SCHEME_ALONE_ACCEPTED = "scheme-alone-accepted"
MALFORMED_ACCEPTED = "malformed-accepted"
ANONYMOUS_PATCH = "anonymous-patch"
HEAD_UNAUTHENTICATED = "head-unauthenticated"
ANONYMOUS_SEARCH = "anonymous-search"
SLASH_UNAUTHENTICATED = "slash-unauthenticated"
REFUSED_BUT_STORED = "refused-but-stored"
JWT_SIGNATURE_STRIPPED = "jwt-signature-stripped"
JWT_EMPTY_SECRET = "jwt-empty-secret"
# -- broken: legacy API ----------------------------------------------------------------------------
KLANT_BSN_ON_CREATE_ONLY = "klant-bsn-unique-on-create-only"
KLANT_MIXED_ON_UPDATE = "klant-mixed-on-update"
# -- conformant controls ---------------------------------------------------------------------------
REFUSE_403 = "refuse-403"
EXTRA_FIELDS = "extra-response-fields"
SOORT_MUST_MATCH = "soort-must-match"
OTHER_SCHEME_ALIAS = "other-scheme-alias"
BSN_PER_BRONORGANISATIE = "bsn-unique-per-bronorganisatie"

SOORT_REASON = "Een BSN kan alleen bij een partij van soort persoon horen."


def check_bsn(store: Store, quirk: str, route: str, bsns: list[str], partij_id: int | None) -> None:
    """The application-level R4 check of the ``APP_BSN_CHECKS`` quirks, after a write, inside its
    transaction (a refusal rolls it back). ``route``: partij-create, partij-update,
    identificator-create, identificator-update, identificator-link (only the link changed)."""
    if quirk not in APP_BSN_CHECKS or not bsns:
        return
    if quirk == BSN_ON_CREATE_ONLY and not route.endswith("create"):
        return
    if quirk == BSN_LINK_UNCHECKED and route == "identificator-link":
        return
    for bsn in bsns:
        sql = (
            "SELECT DISTINCT pi.partij_id FROM partij_identificator pi JOIN partij p ON p.id = pi.partij_id "
            "WHERE pi.code_soort = 'bsn' AND pi.object_id = ?"
        )
        params: list[Any] = [bsn]
        if quirk == BSN_PER_SOORT and partij_id is not None:
            sql += " AND p.soort = (SELECT soort FROM partij WHERE id = ?)"
            params.append(partij_id)
        if len(store.all(sql, params)) > 1:
            raise problems.validation_error([InvalidParam("__all__", "invalid", problems.UNIQUE_REASON)])


def soort_problem(quirk: str, soort: str | None, soorten: list[str], name: str) -> list[InvalidParam]:
    """The stricter-than-required control: a BSN only on a partij of soort persoon (C7's SHOULD)."""
    if quirk == SOORT_MUST_MATCH and soort is not None and soort != "persoon" and "bsn" in soorten:
        return [InvalidParam(name, "invalid", SOORT_REASON)]
    return []


def extra_fields(quirk: str, body: dict[str, Any]) -> dict[str, Any]:
    """The extra-fields control: more in a representation than the contract names."""
    if quirk == EXTRA_FIELDS:
        body["_expand"] = {}
        body["vendorExtension"] = {"bron": "reference"}
    return body


def token_refusal_bypassed(
    quirk: str, method: str, header: str | None, scheme: str, query: Any, path: str
) -> bool:
    """Whether a request without valid credentials is let through by a credential or URL quirk
    (``header`` None: no Authorization header at all)."""
    parts = (header or "").split()
    if (
        quirk == SCHEME_ALONE_ACCEPTED
        and header is not None
        and (not parts or (len(parts) == 1 and parts[0].lower() == scheme))
    ):
        return True  # an empty value, or the scheme word alone
    if quirk == MALFORMED_ACCEPTED and len(parts) > 2 and parts[0].lower() == scheme:
        return True
    return common_bypass(quirk, method, query, path)


def common_bypass(quirk: str, method: str, query: Any, path: str) -> bool:
    if quirk == ANONYMOUS_PATCH and method == "PATCH":
        return True
    if quirk == HEAD_UNAUTHENTICATED and method == "HEAD":
        return True
    if (
        quirk == ANONYMOUS_SEARCH
        and method == "GET"
        and any(str(k).lower().endswith(("objectid", "inpbsn", "innnnpid")) for k in query)
    ):
        return True
    return quirk == SLASH_UNAUTHENTICATED and method in ("GET", "HEAD") and path.endswith("/")


def jwt_quirk_accepts(quirk: str, token: str, client_id: str) -> bool:
    """The JWT quirks: a token whose signature was stripped, or one signed with an empty secret,
    accepted when its client_id is the configured one."""
    pieces = token.split(".")
    if len(pieces) != 3:
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(pieces[1] + "=" * (-len(pieces[1]) % 4)))
    except ValueError:
        return False
    if not isinstance(claims, dict) or claims.get("client_id") != client_id:
        return False
    if quirk == JWT_SIGNATURE_STRIPPED:
        return pieces[2] == ""
    expected = hmac.new(b"", f"{pieces[0]}.{pieces[1]}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == pieces[2]
