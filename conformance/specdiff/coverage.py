"""Does a profile cover the API a contract describes? If not, which profile does?

The impact analysis maps changes to the scenarios of one profile. Two Klanten API files diffed
under the default profile (Klantinteracties) share no operation with its contract, so "no scenario
uses anything that changed" would be true and misleading: the profile was the wrong one. Operations
are compared by ``operation_key`` (method and path, parameter names blanked).
"""

from __future__ import annotations

import functools

from conformance.profiles import Profile, available_profiles, load_profile
from conformance.specdiff.compare import METHODS, operation_key
from conformance.specdiff.load import Spec, load_spec


def operation_keys(spec: Spec) -> frozenset[str]:
    """The operations a document declares, as ``operation_key``s."""
    paths = spec.document.get("paths") or {}
    return frozenset(
        operation_key(method, path)
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in METHODS
        if isinstance(item.get(method), dict)
    )


@functools.cache
def _profile_keys(name: str) -> frozenset[str]:
    return operation_keys(load_spec(load_profile(name).spec_path))


def best_profile(spec: Spec) -> str | None:
    """The shipped profile whose contract shares the most operations with ``spec`` (None: none does)."""
    keys = operation_keys(spec)
    shared = {name: len(keys & _profile_keys(name)) for name in available_profiles()}
    best = max(shared, key=lambda name: (shared[name], name), default=None)
    return best if best is not None and shared[best] else None


def coverage_note(spec: Spec, profile: Profile) -> str | None:
    """None when the profile's contract shares an operation with ``spec``; otherwise why the impact
    analysis cannot apply, and the profile to use instead."""
    keys = operation_keys(spec)
    if not keys or keys & _profile_keys(profile.name):
        return None
    api = f"{spec.title} {spec.version}".strip() or spec.source
    note = (
        f"profile {profile.name} does not cover this API ({api}): none of its {len(keys)} operation(s) "
        f"is in the profile's contract, so no scenario of {profile.name} can be affected"
    )
    other = best_profile(spec)
    if other is not None and other != profile.name:
        return f"{note}; use --profile {other}"
    return f"{note}; no profile of this suite covers it"
