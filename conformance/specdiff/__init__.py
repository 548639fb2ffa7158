"""Spec-change impact analysis: diff two OpenAPI contracts and map the changes to scenarios.

``load`` (documents and ``$ref`` registry; ``refs``: where referenced documents are read) →
``flatten`` (schemas as field maps) → ``compare`` (operations; ``facts`` and ``keywords``: field
facts and value constraints) → ``classify`` (breaking for clients / servers) → ``group`` (changes
repeated from one component) → ``impact`` (scenarios, requirements; ``coverage``: does the profile
cover the API) → ``render`` (Markdown, JSON). ``drift`` diffs the spec a target serves against its
contract.
Core code: no pytest, no CLI.
"""

from __future__ import annotations

from conformance.specdiff.changes import Change, SpecDiff
from conformance.specdiff.compare import diff_specs
from conformance.specdiff.load import Spec, load_spec

__all__ = ["Change", "Spec", "SpecDiff", "diff_specs", "load_spec"]
