from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fuzz.conftest import fuzz_run  # noqa: F401  (the fixture, shared with tests/upstream)

SHARED = Path(__file__).resolve().parents[3] / "shared"
UPSTREAM = SHARED / "specs" / "upstream"


@pytest.fixture(scope="session")
def upstream_dir() -> Path:
    if not UPSTREAM.is_dir():
        pytest.skip(f"the upstream OpenAPI files are not beside the project ({UPSTREAM} is absent)")
    return UPSTREAM


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data
