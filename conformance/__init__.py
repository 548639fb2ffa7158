"""klanten-conformance: a conformance suite for the Klanten and Klantinteracties APIs.

The public surface is small on purpose: the version, the two exception roots and the verdicts.
Everything else is reached through the ``klanten-conformance`` CLI or the pytest plugin.
"""

from __future__ import annotations

from conformance.errors import ToolError
from conformance.failures import ConformanceFailure
from conformance.verdicts import Verdict

__version__ = "0.1.0"

__all__ = ["ConformanceFailure", "ToolError", "Verdict", "__version__"]
