"""The embedded reference Klantinteracties server (Open Klant 2.18 shape) and its broken variants.

It is a real, small server: Starlette + SQLite, enforcing KLOK01 where Open Klant does not. The
variants switch single behaviours off so that the suite's scenarios can prove they catch defects.
Only core leaf modules (``errors``, ``resources``) are imported from the rest of the package.
"""

from __future__ import annotations

from conformance.reference.server import ReferenceServer, serve
from conformance.reference.variants import VARIANTS, Variant, get_variant

__all__ = ["VARIANTS", "ReferenceServer", "Variant", "get_variant", "serve"]
