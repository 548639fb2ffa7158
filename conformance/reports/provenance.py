"""What a bundle was judged with, against what this installation would judge it with.

``verify-bundle`` must not trust the bundle's own catalogue: a forger who edits a requirement
(``applicable: false``) and recomputes the manifest would make failing verdicts "re-derive".
Verdicts are therefore decided with the installed suite's catalogues, and every difference between
the bundle's catalogues, scenarios and contract and the installed ones is named, as is a bundle
made by another suite version. Member names are checked before any is looked up on disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from conformance import __version__
from conformance.loader import scenario_files
from conformance.profiles import load_profile
from conformance.resources import data_root, specs_dir


def unsafe_member(name: str) -> bool:
    """True for a member whose path would leave the bundle's folder (``../``, absolute, drive)."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (bool(path.parts) and ":" in path.parts[0])


def installed_differences(
    members: Mapping[str, bytes], *, suite_version: str | None, profile: str, catalogues: list[str]
) -> list[str]:
    """Each difference between the bundle's suite data and the installed suite's, as a problem."""
    problems = []
    if suite_version != __version__:
        problems.append(
            f"suite_version: the bundle was made by klanten-conformance {suite_version}, this is "
            f"{__version__}; its verdicts are judged with this version's catalogues (install "
            f"{suite_version} to verify it as made)"
        )
    for name in catalogues:
        member = f"catalogues/{name}.yaml"
        problems += _compare(members, member, specs_dir() / "requirements" / f"{name}.yaml", "catalogue")
    try:
        installed = load_profile(profile)
    except Exception as exc:  # an unknown profile: nothing installed to compare with
        return [*problems, f"profile {profile!r}: not in the installed suite ({exc})"]
    root = data_root().resolve()
    shipped = {}
    for path in scenario_files([installed.scenarios_path]):
        try:
            shipped[path.resolve().relative_to(root).as_posix()] = path
        except ValueError:
            continue
    bundled = {name for name in members if name.startswith("scenarios/")}
    for name in sorted(bundled | set(shipped)):
        if name not in shipped:
            problems.append(f"{name}: a scenario the installed suite does not have")
        else:
            problems += _compare(members, name, shipped[name], "scenario")
    contract = f"contract/{installed.spec_path.name}"
    if contract in members:  # the profile's own contract (a --spec file has another name)
        problems += _compare(members, contract, installed.spec_path, "contract")
    return problems


def _compare(members: Mapping[str, bytes], member: str, path: Path, kind: str) -> list[str]:
    if member not in members:
        return [f"{member}: the {kind} the run used is missing from the bundle"]
    if not path.is_file():
        return [f"{member}: no such {kind} in the installed suite"]
    if path.read_bytes() != members[member]:
        return [f"{member}: differs from the installed suite's {kind} (the verdicts use the installed one)"]
    return []
