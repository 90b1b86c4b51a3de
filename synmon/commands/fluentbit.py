"""`synmon fluentbit render|validate`: write a Fluent Bit config from the collection spec, and check
any Fluent Bit YAML config against the Fluent Bit 4.2.8 key schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from synmon.settings import REPO_ROOT, Paths, config_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fluentbit",
        help="render and validate Fluent Bit configs",
        description="Render a Fluent Bit config from config/collection.yaml, or validate one.",
    )
    sub = parser.add_subparsers(dest="fluentbit_command", metavar="ACTION", required=True)
    render = sub.add_parser(
        "render",
        help="write a Fluent Bit YAML config from the collection spec",
        description="Write a Fluent Bit 4.2 YAML config that collects what the spec lists into "
        "the landing zone (default: <data dir>/landing).",
    )
    render.add_argument(
        "--spec", type=Path, default=config_dir() / "collection.yaml", help="collection spec"
    )
    render.add_argument("--out", type=Path, help="write the config here (default: stdout)")
    render.set_defaults(func=_render)
    validate = sub.add_parser(
        "validate",
        help="check a Fluent Bit YAML config",
        description="Check sections, plugin names, keys, value types, required keys, parser "
        "references, durations and sizes against the Fluent Bit 4.2.8 schema. Exit 1 on errors.",
    )
    validate.add_argument("file", type=Path, help="Fluent Bit YAML config")
    validate.add_argument("--json", action="store_true", help="print a JSON report")
    validate.set_defaults(func=_validate)


def _render(args: argparse.Namespace) -> int:
    from collectors.fluentbit import SpecError, load_spec, render_yaml, validate_text

    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    paths = Paths.from_env(getattr(args, "data_dir", None))
    spec_path = args.spec.resolve()
    source = spec_path.relative_to(REPO_ROOT) if spec_path.is_relative_to(REPO_ROOT) else spec_path
    text = render_yaml(spec, paths.landing, paths.data / "fluent-bit", source=str(source))
    errors = [i for i in validate_text(text, "<rendered>") if i.severity == "error"]
    if errors:
        for issue in errors:
            print(f"rendered config is invalid: {issue}", file=sys.stderr)
        return 1
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from collectors.fluentbit.schema import SCHEMA_VERSION
    from collectors.fluentbit.validate import validate_file

    issues = validate_file(args.file)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity != "error"]
    if args.json:
        report = {
            "file": str(args.file),
            "valid": not errors,
            "fluent_bit_version": SCHEMA_VERSION,
            "errors": [i.as_dict() for i in errors],
            "warnings": [i.as_dict() for i in warnings],
        }
        print(json.dumps(report, indent=2))
    else:
        for issue in issues:
            print(issue)
        verdict = "invalid" if errors else "valid"
        print(
            f"{args.file}: {verdict} for Fluent Bit {SCHEMA_VERSION} "
            f"({len(errors)} errors, {len(warnings)} warnings)",
            file=sys.stderr,
        )
    return 1 if errors else 0
