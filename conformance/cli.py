"""The ``klanten-conformance`` command: a thin adapter over pytest and the core.

``run`` and ``fuzz`` resolve settings and call ``pytest.main`` (one execution path); the other
commands read data (``validate``, ``requirements``, ``variants``) or start the reference
server (``serve``). Exit codes are documented in the README and in ``verdicts.ExitCode``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.config import OPTIONS, Settings, read_pyproject, resolve
from conformance.errors import ScenarioFormatError, ToolError
from conformance.verdicts import ExitCode

EXIT_CODES_HELP = """exit codes:
  0    conformant: every applicable requirement passed
  1    non-conformant: at least one requirement failed
  2    usage or scenario-format error (nothing was judged)
  3    target or tool error: nothing failed, but something could not be evaluated
  4    inconclusive: nothing failed or errored, but a precondition was unmet
  130  interrupted
"""

_RUN_OPTIONS_SKIPPED = {"fuzz", "contract"}  # offered as --no-fuzz / --no-contract instead


def _add_settings(parser: argparse.ArgumentParser) -> None:
    for option in OPTIONS:
        if option.name in _RUN_OPTIONS_SKIPPED:
            continue
        flags = [option.cli_flag]
        if option.name == "target_url":
            flags.append("--target")
        parser.add_argument(
            *flags, dest=option.name, metavar=option.metavar, help=f"{option.help} [env {option.env}]"
        )
    parser.add_argument(
        "--no-fuzz",
        dest="fuzz",
        action="store_const",
        const=False,
        help="Skip contract fuzzing (env KLANTEN_CONFORMANCE_FUZZ=false).",
    )
    parser.add_argument(
        "--no-contract",
        dest="contract",
        action="store_const",
        const=False,
        help="Do not validate scenario responses against the contract.",
    )
    parser.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="After `--`: extra arguments passed to pytest verbatim (e.g. -- -k R4 -x).",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="klanten-conformance",
        description="Conformance suite for the Klanten and Klantinteracties APIs (KLOK01).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="Run the scenarios (and fuzzing) against a target.",
        description="Run the profile's scenarios and contract fuzzing against a target; "
        "without --target the embedded reference server is used.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_settings(run)
    fuzz = commands.add_parser(
        "fuzz",
        help="Only fuzz the OpenAPI contract with schemathesis.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_settings(fuzz)

    cleanup = commands.add_parser(
        "cleanup",
        help="Remove what an earlier run left on the target, found by its run tag.",
        description="List the profile's tagged collection (e.g. partijen whose interneNotitie is "
        "'klanten-conformance run ID') and delete every record of that run. Exit 0 when nothing is left.",
    )
    _add_settings(cleanup)

    validate = commands.add_parser("validate", help="Check scenario files; exit 2 on any format error.")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="Files or folders (default: the shipped scenarios)."
    )

    requirements = commands.add_parser("requirements", help="Print the requirement catalogue with coverage.")
    requirements.add_argument("--profile", default=None, help="Profile (default klantinteracties-v1).")
    requirements.add_argument("--json", action="store_true", help="Machine-readable output.")
    requirements.add_argument(
        "--check", action="store_true", help="Exit 1 when a tested requirement has no scenario."
    )

    variants = commands.add_parser("variants", help="List the embedded reference server's broken variants.")
    variants.add_argument("--json", action="store_true", help="Machine-readable output.")

    serve = commands.add_parser("serve", help="Start the embedded reference server (Ctrl-C stops it).")
    serve.add_argument("--variant", default="reference", help="Variant to serve (see `variants`).")
    serve.add_argument("--host", default="127.0.0.1", help="Interface to bind (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port (default 8000; 0 picks a free one).")
    serve.add_argument("--token", default=None, help="API token to accept (default: a random one).")
    serve.add_argument("--db", default=None, help="SQLite file (default: a temporary database).")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "run": _run,
        "fuzz": _fuzz,
        "cleanup": _cleanup,
        "validate": _validate,
        "requirements": _requirements,
        "variants": _variants,
        "serve": _serve,
    }
    if args.command is None:
        parser.print_help()
        return int(ExitCode.USAGE_OR_FORMAT)
    try:
        return int(handlers[args.command](args))
    except ToolError as exc:
        print(f"klanten-conformance: {exc}", file=sys.stderr)
        return int(ExitCode.USAGE_OR_FORMAT)
    except BrokenPipeError:  # `klanten-conformance requirements | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _settings_from(args: argparse.Namespace, **defaults: Any) -> Settings:
    cli = {o.name: getattr(args, o.name, None) for o in OPTIONS}
    return resolve(cli, os.environ, read_pyproject(Path.cwd()), defaults=defaults)


def _run(args: argparse.Namespace) -> int:
    from conformance.runcmd import run_suite

    return run_suite(_settings_from(args, fuzz=True), args.pytest_args, scenarios=True)


def _fuzz(args: argparse.Namespace) -> int:
    from conformance.runcmd import run_suite

    settings = _settings_from(args).with_overrides(fuzz=True)
    return run_suite(settings, args.pytest_args, scenarios=False)


def _cleanup(args: argparse.Namespace) -> int:
    from conformance.runcmd import remove_leftovers

    if not args.run_id or not (args.target_url or os.environ.get("KLANTEN_CONFORMANCE_TARGET_URL")):
        print("klanten-conformance cleanup: give --run-id and --target-url", file=sys.stderr)
        return int(ExitCode.USAGE_OR_FORMAT)
    return remove_leftovers(_settings_from(args))


def _validate(args: argparse.Namespace) -> int:
    from conformance.loader import check_collection, load_scenario, scenario_files
    from conformance.plugin.items import known_requirement_ids
    from conformance.resources import scenarios_dir

    files = list(scenario_files(args.paths or [scenarios_dir()]))
    errors: list[ScenarioFormatError] = []
    scenarios = []
    for path in files:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioFormatError as exc:
            errors.append(exc)
    errors.extend(check_collection(scenarios, known_requirement_ids()))
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(files)} scenario file(s), {len(errors)} error(s)")
    return int(ExitCode.USAGE_OR_FORMAT if errors or not files else ExitCode.CONFORMANT)


def _requirements(args: argparse.Namespace) -> int:
    from conformance.catalogue import coverage, load_catalogues
    from conformance.loader import load_scenario, scenario_files
    from conformance.profiles import DEFAULT_PROFILE, load_profile

    profile = load_profile(args.profile or DEFAULT_PROFILE)
    catalogue = load_catalogues(profile.catalogues)
    scenarios = [load_scenario(p) for p in scenario_files([profile.scenarios_path])]
    rows = coverage(catalogue, scenarios, profile.name)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.requirement.id,
                        "level": r.requirement.level,
                        "testability": r.requirement.testability,
                        "verified_by": r.requirement.verified_by,
                        "statement": r.requirement.statement,
                        "applicable": r.requirement.applicable_to(profile.name),
                        "reason": r.requirement.reason or r.requirement.proxy,
                        "scenarios": list(r.scenarios),
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(f"{'requirement':<26} {'level':<6} {'testability':<11} {'verified by':<11} scenarios")
        for row in rows:
            req = row.requirement
            by = "-" if req.verified_by == "contract" else str(len(row.scenarios))
            verified_by = "-" if req.testability == "untestable" else req.verified_by
            print(
                f"{req.id:<26} {req.level:<6} {req.testability:<11} {verified_by:<11} {by}"
                + ("   <-- no scenario" if row.gap else "")
            )
    gaps = [r for r in rows if r.gap]
    return 1 if args.check and gaps else 0


def _variants(args: argparse.Namespace) -> int:
    from conformance.reference.variants import VARIANTS

    data = [
        {"name": v.name, "breaks": list(v.breaks), "description": v.description} for v in VARIANTS.values()
    ]
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for item in data:
            breaks = ", ".join(item["breaks"]) or "-"
            print(f"{item['name']:<32} breaks {breaks}\n    {item['description']}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from conformance.reference.server import serve

    def ready(root_url: str, token: str) -> None:
        print(f"API root: {root_url}", flush=True)
        print(f"token:    {token}", flush=True)
        print("Authorization header: Token <token>; stop with Ctrl-C", flush=True)

    serve(
        variant=args.variant,
        host=args.host,
        port=args.port,
        token=args.token,
        db_path=args.db,
        on_ready=ready,
    )
    return 0
