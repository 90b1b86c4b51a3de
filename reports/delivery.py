"""Email delivery of rendered reports: the optional config/reports.yaml (which reports go to which
email receivers of config/channels.yaml, the subject template, PDF attachment, HTML body),
validated on load, and the message itself. Sending is the caller's: the report assets hand the
message to the email receiver of channels.yaml, so SMTP settings and secrets live in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FILENAME = "reports.yaml"
SUBJECT_FIELDS = ("kind", "title", "period", "pages", "headline")
DEFAULT_SUBJECT = "synmon {{ title }} {{ period }}"
_SAMPLE = {"kind": "daily", "title": "Daily performance report", "period": "2026-11-26",
           "pages": 5, "headline": "The platform served 1,000 requests."}  # fmt: skip


class ReportsConfigError(ValueError):
    """reports.yaml does not validate; the message names the file, key path and expectation."""


def _subject_env() -> SandboxedEnvironment:
    # Sandboxed and strict: a subject may only use the fields above, never reach into objects.
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


class EmailRule(BaseModel):
    """One delivery: these reports, to these email receivers of channels.yaml."""

    model_config = ConfigDict(extra="forbid")

    reports: list[Literal["daily", "weekly"]] = Field(min_length=1)
    receivers: list[str] = Field(min_length=1)
    subject: str = DEFAULT_SUBJECT
    attach_pdf: bool = True
    html_body: bool = True

    @field_validator("subject")
    @classmethod
    def _subject_renders(cls, value: str) -> str:
        try:
            _subject_env().from_string(value).render(_SAMPLE)
        except jinja2.TemplateError as exc:
            fields = ", ".join(SUBJECT_FIELDS)
            raise ValueError(f"a Jinja2 template using only {fields} ({exc})") from None
        return value


class ReportsConfig(BaseModel):
    """The whole file. No rules (or no file) means reports are rendered but not sent."""

    model_config = ConfigDict(extra="forbid")

    email: list[EmailRule] = Field(default_factory=list)

    def rules_for(self, kind: str) -> list[EmailRule]:
        return [r for r in self.email if kind in r.reports]


def _key_path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_reports_config(data: Any, source: str = "<memory>") -> ReportsConfig:
    try:
        return ReportsConfig.model_validate({} if data is None else data)
    except ValidationError as exc:
        lines = [
            f"{source}: {_key_path(e['loc'])}: expected {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise ReportsConfigError("\n".join(lines)) from None


def load_reports_config(config_dir: Path) -> ReportsConfig:
    """Read `<config_dir>/reports.yaml`; an absent file means no delivery."""
    path = Path(config_dir) / FILENAME
    if not path.is_file():
        return ReportsConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReportsConfigError(f"{path}: (YAML): expected valid YAML ({exc})") from None
    return parse_reports_config(data, str(path))


def subject(rule: EmailRule, fields: dict[str, Any]) -> str:
    """The rendered subject on one line, at most 200 characters."""
    text = _subject_env().from_string(rule.subject).render({k: fields[k] for k in SUBJECT_FIELDS})
    return " ".join(text.split())[:200]


def report_message(
    rule: EmailRule,
    *,
    fields: dict[str, Any],
    sentences: Sequence[str],
    html_path: Path,
    pdf_path: Path,
    sender: str,
    to: Sequence[str],
) -> EmailMessage:
    """Text (the summary and the file names), the report's HTML as the alternative body, and
    the PDF attached, as the rule asks. `fields` holds SUBJECT_FIELDS."""
    msg = EmailMessage()
    msg["Subject"] = subject(rule, fields)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="synmon")
    text = [f"{fields['title']} {fields['period']} ({fields['pages']} pages)", ""]
    text += [f"- {s}" for s in sentences]
    text += ["", f"PDF: {pdf_path.name}" + (" (attached)" if rule.attach_pdf else "")]
    msg.set_content("\n".join(text) + "\n")
    if rule.html_body:
        msg.add_alternative(html_path.read_text(encoding="utf-8"), subtype="html")
    if rule.attach_pdf:
        msg.add_attachment(
            pdf_path.read_bytes(),
            maintype="application",
            subtype="pdf",
            filename=f"synmon-{fields['kind']}-{fields['period']}.pdf",
        )
    return msg
