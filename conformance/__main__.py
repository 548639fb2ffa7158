"""``python -m conformance`` is the same as the ``klanten-conformance`` command."""

from __future__ import annotations

from conformance.cli import main

raise SystemExit(main())
