"""Subcommands of `synmon`. Each module defines `register(subparsers)`; keep top-level imports
light (argparse, pathlib, the standard library) and import heavy libraries inside the handler."""

COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "generate",
    "ingest",
    "quarantine",
    "validate",
    "sql",
    "dbt",
    "report",
    "forecast",
    "anomalies",
    "fluentbit",
    "serve",
    "alerts",
    "incidents",
    "ui",
)
