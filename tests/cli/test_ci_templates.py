"""docs/ci templates: valid against the published schemas that check-jsonschema ships, and complete."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

CI = Path(__file__).resolve().parents[2] / "docs" / "ci"
CHECK = Path(sys.executable).with_name("check-jsonschema")
TEMPLATES = [("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")]


def _check(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK), "--builtin-schema", schema, str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(("name", "schema"), TEMPLATES)
def test_template_matches_its_published_schema(name: str, schema: str) -> None:
    proc = _check(CI / name, schema)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(("name", "schema"), TEMPLATES)
def test_the_schema_check_catches_a_broken_template(name: str, schema: str, tmp_path: Path) -> None:
    data = yaml.safe_load((CI / name).read_text())
    if name.startswith("github"):
        del data["jobs"]["conformance"]["runs-on"]
    else:
        data["klanten-conformance"]["artifacts"]["when"] = "sometimes"
    broken = tmp_path / name
    broken.write_text(yaml.safe_dump(data))
    assert _check(broken, schema).returncode != 0


def test_github_workflow_runs_uploads_and_summarises() -> None:
    text = (CI / "github-actions.yml").read_text()
    steps = yaml.safe_load(text)["jobs"]["conformance"]["steps"]
    run = next(s for s in steps if s.get("id") == "run")
    assert run["env"] == {
        "KLANTEN_CONFORMANCE_TARGET_URL": "${{ secrets.KLANTEN_TARGET_URL }}",
        "KLANTEN_CONFORMANCE_TOKEN": "${{ secrets.KLANTEN_TOKEN }}",
    }
    assert (
        "klanten-conformance run" in run["run"] and "--bundle" in run["run"] and "--token" not in run["run"]
    )
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    for artefact in ("junit.xml", "report.html", "conformance-bundle.zip"):
        assert artefact in upload["with"]["path"]
    assert upload["if"] == "always()"
    assert any(
        "GITHUB_STEP_SUMMARY" in str(s.get("run", "")) and "summary" in str(s.get("run")) for s in steps
    )
    assert any("pip install" in str(s.get("run", "")) for s in steps)


def test_gitlab_job_runs_uploads_and_summarises() -> None:
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["klanten-conformance"]
    script = "\n".join(job["script"])
    assert "pip install" in script and "klanten-conformance run" in script and "--bundle" in script
    assert "--token" not in script and "klanten-conformance summary" in script
    assert job["artifacts"]["reports"]["junit"] == "reports/junit.xml"
    assert job["artifacts"]["when"] == "always"
    for artefact in ("reports/report.html", "reports/conformance-bundle.zip", "reports/junit.xml"):
        assert artefact in job["artifacts"]["paths"]


@pytest.mark.parametrize("name", [name for name, _ in TEMPLATES])
def test_templates_install_the_suite_from_its_source_not_from_pypi(name: str) -> None:
    """Issue 22, item 18: `pip install klanten-conformance` names a package that is not published."""
    text = (CI / name).read_text()
    installs = [
        line.strip()
        for line in text.splitlines()
        if "pip install" in line and not line.strip().startswith("#")
    ]
    assert installs, "the template installs nothing"
    assert all('"$KLANTEN_SUITE_SOURCE"' in line for line in installs), installs
    assert "KLANTEN_SUITE_SOURCE" in text.split("\n\n")[0] or text.index("KLANTEN_SUITE_SOURCE") < text.index(
        "pip"
    )
    assert "git+https://" in text  # the comment says what to put there
