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
from conformance.errors import ConfigError, ScenarioFormatError, TargetError, ToolError
from conformance.verdicts import ExitCode

EXIT_CODES_HELP = """exit codes:
  0    conformant: a certification-grade run (whole inventory, published contract,
       fuzzing at the floor, no waiver) where every applicable requirement passed
  1    non-conformant: at least one requirement failed
  2    usage or scenario-format error (nothing was judged)
  3    target or tool error: nothing failed, but something could not be evaluated
  4    inconclusive or partial: nothing failed or errored, but a precondition was unmet
       or a declared unit was not run (-k, --ignore, -n, budget, --no-fuzz, --read-only)
  5    no finding, but not a conformance claim: contract only, custom contract,
       reduced fuzzing, or active waivers (the report's claim says which)
  130  interrupted
"""

_RUN_OPTIONS_SKIPPED = {"fuzz", "contract", "bundle"}  # offered as --no-fuzz / --no-contract / --bundle


def _add_settings(parser: argparse.ArgumentParser) -> None:
    for option in OPTIONS:
        if option.name in _RUN_OPTIONS_SKIPPED:
            continue
        flags = [option.cli_flag]
        if option.name == "target_url":
            flags.append("--target")
        bare: dict[str, Any] = {"nargs": "?", "const": "true"} if option.bare else {}
        parser.add_argument(
            *flags, dest=option.name, metavar=option.metavar, help=f"{option.help} [env {option.env}]", **bare
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
        "--bundle",
        dest="bundle",
        action="store_const",
        const=True,
        help="Also write conformance-bundle.zip: reports, redacted evidence, contract, scenarios and a "
        "SHA-256 manifest (check it with `verify-bundle`).",
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

    verify = commands.add_parser(
        "verify-bundle",
        help="Check a conformance-bundle.zip offline: hashes, and every verdict re-derived.",
        description="Check every SHA-256 of the bundle's manifest and decide every requirement verdict "
        "again from the recorded scenario results; exit 1 on any mismatch. The target is not contacted.",
    )
    verify.add_argument("bundle", type=Path, help="The conformance-bundle.zip to check.")

    summary = commands.add_parser(
        "summary", help="Print a Markdown summary of a conformance report (for a CI job summary)."
    )
    summary.add_argument("report", type=Path, help="conformance-report.json of a run.")

    requirements = commands.add_parser("requirements", help="Print the requirement catalogue with coverage.")
    requirements.add_argument(
        "--profile", default=None, help="Profile whose coverage is shown (default klantinteracties-v1)."
    )
    requirements.add_argument("--json", action="store_true", help="Machine-readable output.")
    requirements.add_argument(
        "--check", action="store_true", help="Exit 1 when a tested requirement has no scenario."
    )

    variants = commands.add_parser("variants", help="List the embedded reference server's broken variants.")
    variants.add_argument("--json", action="store_true", help="Machine-readable output.")

    _add_spec_diff(commands)

    serve = commands.add_parser("serve", help="Start the embedded reference server (Ctrl-C stops it).")
    serve.add_argument("--variant", default="reference", help="Variant to serve (see `variants`).")
    serve.add_argument("--host", default="127.0.0.1", help="Interface to bind (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port (default 8000; 0 picks a free one).")
    serve.add_argument(
        "--token", default=None, help="Klantinteracties API token to accept (default: a random one)."
    )
    serve.add_argument(
        "--jwt-client-id",
        default=None,
        help="Legacy Klanten API: the ZGW client_id to accept (default klanten-conformance).",
    )
    serve.add_argument(
        "--jwt-secret", default=None, help="Legacy Klanten API: its HS256 secret (default: a random one)."
    )
    serve.add_argument("--db", default=None, help="SQLite file (default: a temporary database).")
    return parser


def _add_spec_diff(commands: Any) -> None:
    spec_diff = commands.add_parser(
        "spec-diff",
        help="Compare two OpenAPI contracts (or a target's served spec) and map changes to scenarios.",
        description="Report the changes from OLD to NEW (paths or URLs): operations, parameters, "
        "request and response fields, security; each classified as breaking for clients and/or "
        "servers, then mapped to the profile's scenarios and requirements. With --against-target, "
        "NEW is the spec the target serves and OLD defaults to the profile's contract.",
    )
    spec_diff.add_argument("old", nargs="?", help="Old contract (path or URL).")
    spec_diff.add_argument("new", nargs="?", help="New contract (path or URL).")
    spec_diff.add_argument(
        "--against-target", metavar="URL", help="API root of a target: diff the spec it serves."
    )
    spec_diff.add_argument("--profile", default=None, help="Profile (default klantinteracties-v1).")
    spec_diff.add_argument(
        "--token",
        default=None,
        help="Credential for fetching the served spec (also KLANTEN_CONFORMANCE_TOKEN, "
        "KLANTEN_CONFORMANCE_AUTH_HEADER or the JWT settings, as for run).",
    )
    spec_diff.add_argument(
        "--ref-dir",
        type=Path,
        default=None,
        help="Folder with local copies of documents the contracts $ref (e.g. the API-Kennisbank's "
        "common.yaml), found by file name.",
    )
    spec_diff.add_argument(
        "--ref-map",
        action="append",
        default=[],
        metavar="URL=FILE",
        help="Read the document at URL from FILE (URL/=FOLDER for every document under URL); repeatable.",
    )
    spec_diff.add_argument(
        "--offline", action="store_true", help="Never fetch a referenced document over the network."
    )
    output = spec_diff.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="JSON output (schema shipped in the package).")
    output.add_argument("--markdown", action="store_true", help="Markdown output (the default).")
    spec_diff.add_argument("--no-impact", action="store_true", help="Skip the scenario impact analysis.")
    spec_diff.add_argument("--output", type=Path, default=None, help="Write the report to this file.")
    spec_diff.add_argument(
        "--fail-on",
        choices=("clients", "servers", "any"),
        default=None,
        help="Exit 1 when a change breaks clients, servers or either.",
    )


def _without_httpx_cli() -> None:
    """Keep httpx from importing its own command-line client (rich and click, 50 ms of CPU).

    ``import httpx`` imports ``httpx._main`` and falls back to a stub ``httpx.main`` when that
    fails; this process never runs httpx's command line, so the import is made to fail.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    _without_httpx_cli()
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "run": _run,
        "fuzz": _fuzz,
        "cleanup": _cleanup,
        "validate": _validate,
        "verify-bundle": _verify_bundle,
        "summary": _summary,
        "requirements": _requirements,
        "variants": _variants,
        "serve": _serve,
        "spec-diff": _spec_diff,
    }
    if args.command is None:
        parser.print_help()
        return int(ExitCode.USAGE_OR_FORMAT)
    try:
        return int(handlers[args.command](args))
    except TargetError as exc:  # e.g. a --spec URL that cannot be downloaded: exit 3, as documented
        print(f"klanten-conformance: {exc}", file=sys.stderr)
        return int(ExitCode.TARGET_OR_TOOL_ERROR)
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
    from conformance.loader import check_collection, scenario_errors, scenario_files
    from conformance.plugin.items import known_requirement_ids
    from conformance.resources import scenarios_dir

    files = list(scenario_files(args.paths or [scenarios_dir()]))
    errors: list[ScenarioFormatError] = []
    scenarios = []
    for path in files:
        scenario, problems = scenario_errors(path)  # every error of the file, not only the first
        errors.extend(problems)
        if scenario is not None:
            scenarios.append(scenario)
    errors.extend(check_collection(scenarios, known_requirement_ids()))
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(files)} scenario file(s), {len(errors)} error(s)")
    return int(ExitCode.USAGE_OR_FORMAT if errors or not files else ExitCode.CONFORMANT)


def _verify_bundle(args: argparse.Namespace) -> int:
    from conformance.reports.bundle import verify_bundle

    problems = verify_bundle(args.bundle)
    for problem in problems:
        print(f"MISMATCH {problem}", file=sys.stderr)
    if problems:
        print(f"{args.bundle}: {len(problems)} problem(s); the bundle cannot be trusted")
        return 1
    print(f"{args.bundle}: every hash matches and every requirement verdict re-derives")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from conformance.reports.summary import markdown_summary

    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"klanten-conformance: cannot read {args.report}: {exc}", file=sys.stderr)
        return int(ExitCode.USAGE_OR_FORMAT)
    print(markdown_summary(report), end="")
    return 0


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
                        "profile": profile.name,
                        "applicable": r.applicable,
                        "profile_note": r.note,
                        "reason": r.requirement.reason or r.requirement.proxy,
                        "scenarios": list(r.scenarios),
                        "catalogue": r.requirement.catalogue,
                        "source": r.requirement.source,
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(f"profile {profile.name}: {profile.title}")
        print(f"{'requirement':<26} {'level':<6} {'testability':<11} {'verified by':<11} scenarios")
        for row in rows:
            req = row.requirement
            by = "-" if req.verified_by == "contract" else str(len(row.scenarios))
            verified_by = "-" if req.testability == "untestable" else req.verified_by
            testability = req.testability if row.applicable else "n/a"
            print(
                f"{req.id:<26} {req.level:<6} {testability:<11} {verified_by:<11} {by}"
                + ("   <-- no scenario" if row.gap else "")
                + ("" if row.applicable else f"   not applicable: {row.note or 'no reason given'}")
            )
        print("sources:")
        for name in dict.fromkeys(row.requirement.catalogue for row in rows):
            sources = dict.fromkeys(r.requirement.source for r in rows if r.requirement.catalogue == name)
            if len(sources) == 1:
                print(f"  {name}: {next(iter(sources)) or 'no source given'}")
                continue
            for row in (r for r in rows if r.requirement.catalogue == name):
                print(f"  {row.requirement.id}: {row.requirement.source or 'no source given'}")
    gaps = [r for r in rows if r.gap]
    return 1 if args.check and gaps else 0


def _variants(args: argparse.Namespace) -> int:
    from conformance.reference.variants import VARIANTS

    data: list[dict[str, Any]] = [
        {
            "name": v.name,
            "breaks": list(v.breaks),
            "profiles": list(v.profiles),
            "breaks_by_profile": {p: list(v.breaks_in(p)) for p in v.profiles},
            "description": v.description,
        }
        for v in VARIANTS.values()
    ]
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for item in data:
            breaks = "; ".join(
                f"{profile}: {', '.join(ids) or '-'}" for profile, ids in item["breaks_by_profile"].items()
            )
            print(f"{item['name']:<32} breaks {breaks}\n    {item['description']}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from conformance.reference.server import JwtClient, serve

    def ready(roots: dict[str, str], token: str, jwt: JwtClient) -> None:
        print(f"API root: {roots['klantinteracties']}", flush=True)
        print(f"token:    {token}", flush=True)
        print("Authorization header: Token <token>", flush=True)
        print(f"Legacy Klanten API 1.0 root: {roots['klanten']}", flush=True)
        print(f"jwt client_id: {jwt.client_id}", flush=True)
        print(f"jwt secret:    {jwt.secret}", flush=True)
        print("Authorization header: Bearer <HS256 JWT with this client_id>; stop with Ctrl-C", flush=True)

    serve(
        variant=args.variant,
        host=args.host,
        port=args.port,
        token=args.token,
        db_path=args.db,
        on_ready=ready,
        jwt=JwtClient.generated(args.jwt_client_id, args.jwt_secret),
    )
    return 0


def _spec_diff(args: argparse.Namespace) -> int:
    from conformance.auth import AuthMode
    from conformance.evidence import split_userinfo
    from conformance.profiles import load_profile
    from conformance.specdiff.analysis import analyse_sources, analyse_specs
    from conformance.specdiff.drift import served_spec_url
    from conformance.specdiff.load import fetch_url, load_spec, parse_document, spec_from_document
    from conformance.specdiff.refs import RefSources, parse_mapping
    from conformance.specdiff.render import to_json, to_markdown

    settings = _settings_from(args)  # the run's precedence: CLI > environment > pyproject
    profile = load_profile(settings.profile)
    impact_profile = None if args.no_impact else profile
    refs = RefSources(args.ref_dir, tuple(parse_mapping(m) for m in args.ref_map), args.offline)
    if args.against_target:
        if args.new:
            raise ConfigError("give OLD (or nothing) with --against-target, not NEW")
        target, _ = split_userinfo(args.against_target)  # never sent, never printed (as for `run`)
        url = served_spec_url(target, profile)
        if url is None:
            raise ConfigError(f"profile {profile.name} names no served spec (`served_spec`)")
        credentials = settings.auth_provider(profile).headers(AuthMode.DEFAULT) or None
        served = spec_from_document(parse_document(fetch_url(url, headers=credentials), url), url, refs=refs)
        old = load_spec(args.old or profile.spec_path, refs)
        analysis = analyse_specs(old, served, impact_profile)
    elif args.old and args.new:
        analysis = analyse_sources(args.old, args.new, impact_profile, refs)
    else:
        raise ConfigError("spec-diff needs OLD and NEW, or --against-target URL")
    if args.json:
        text = json.dumps(to_json(analysis.diff, analysis.impact), indent=2, ensure_ascii=False) + "\n"
    else:
        text = to_markdown(analysis.diff, analysis.impact)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    changes = analysis.diff.changes
    failing = {
        "clients": any(c.breaking_for_clients for c in changes),
        "servers": any(c.breaking_for_servers for c in changes),
        "any": any(c.breaking for c in changes),
    }
    return 1 if args.fail_on and failing[args.fail_on] else 0
