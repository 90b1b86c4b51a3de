"""Email delivery of reports (config/reports.yaml) through the email receiver of channels.yaml,
against a real SMTP server (aiosmtpd) on 127.0.0.1: the PDF attached, the HTML body, failures
reported in metadata without secrets and without losing the rendered report."""

from __future__ import annotations

import email
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from assets.reports import daily_report, email_report
from assets.resources import SynmonData
from reports.delivery import ReportsConfigError, load_reports_config, parse_reports_config
from reports.render import ReportResult
from synmon.settings import Paths
from tests.test_sensors.channel_servers import refused_url, tls_contexts

USER, PASSWORD = "reports@example.com", "s3cret-Pa55"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> AuthResult:
    ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def _port() -> int:
    return int(refused_url().split(":")[2].split("/")[0])


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[tuple[int, Inbox]]:
    inbox, port = Inbox(), _port()  # aiosmtpd's start() connects to its own port: not 0
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def _config(directory: Path, port: int, reports_yaml: str, **email: Any) -> Path:
    spec = {"host": "127.0.0.1", "port": port, "security": "none", "from": "synmon <r@x.test>",
            "to": ["lead@example.com"], **email}  # fmt: skip
    fields = ", ".join(f"{k}: {v!r}" if not isinstance(v, list) else f"{k}: {v}"
                       for k, v in spec.items())  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "channels.yaml").write_text(
        "receivers:\n  - name: file\n    file: {}\n"
        f"  - name: team-mail\n    email: {{{fields}}}\nroute:\n  receiver: file\n"
    )
    (directory / "reports.yaml").write_text(reports_yaml)
    return directory


RULE = """email:
  - reports: [daily]
    receivers: [team-mail]
    subject: "{{ title }} {{ period }} ({{ pages }} pages)"
"""


def test_daily_partition_is_mailed_with_the_pdf_attached(
    data_paths: Paths, warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(warehouse, data_paths.warehouse)
    with smtp_server() as (port, inbox):
        monkeypatch.setenv("SYNMON_CONFIG_DIR", str(_config(tmp_path / "config", port, RULE)))
        result = dg.materialize(
            [daily_report],
            partition_key="2026-11-24",
            resources={"data": SynmonData(data_dir=str(data_paths.data))},
        )
    (mat,) = result.asset_materializations_for_node("daily_report")
    assert mat.metadata["email"].value == "team-mail: sent: sent to 1 recipient(s)"
    (msg,) = inbox.messages
    pdf = data_paths.reports / "daily" / "2026-11-24.pdf"
    assert (
        msg["Subject"]
        == f"Daily performance report 2026-11-24 ({mat.metadata['pages'].value} pages)"
    )
    assert msg["To"] == "lead@example.com"
    parts = [p for p in msg.walk() if not p.is_multipart()]
    types = [p.get_content_type() for p in parts]
    assert types == ["text/plain", "text/html", "application/pdf"]
    attachment = parts[2]
    assert attachment.get_filename() == "synmon-daily-2026-11-24.pdf"
    assert attachment.get_payload(decode=True) == pdf.read_bytes()
    html = parts[1].get_payload(decode=True).decode("utf-8").replace("\r\n", "\n").rstrip()
    assert html == (data_paths.reports / "daily" / "2026-11-24.html").read_text().rstrip()
    assert "The platform served" in parts[0].get_payload(decode=True).decode("utf-8")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_starttls_login_and_failures_keep_the_report_and_the_secret(
    rendered: dict[str, ReportResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_ctx, client_ctx = tls_contexts(tmp_path)
    report = rendered["weekly"]
    rules = RULE.replace("[daily]", "[weekly]").replace("[team-mail]", "[team-mail, nobody]")
    rules += "    attach_pdf: false\n    html_body: false\n"
    auth = {"security": "starttls", "username": USER, "password_env": "SYNMON_TEST_SMTP_PASSWORD"}
    with smtp_server(tls_context=server_ctx, require_starttls=True, authenticator=_login,
                     auth_required=True) as (port, inbox):  # fmt: skip
        monkeypatch.setenv("SYNMON_CONFIG_DIR", str(_config(tmp_path / "c1", port, rules, **auth)))
        monkeypatch.delenv("SYNMON_TEST_SMTP_PASSWORD", raising=False)
        unset = email_report("weekly", report, ssl_context=client_ctx)
        monkeypatch.setenv("SYNMON_TEST_SMTP_PASSWORD", "wrong-" + PASSWORD)
        wrong = email_report("weekly", report, ssl_context=client_ctx)
        monkeypatch.setenv("SYNMON_TEST_SMTP_PASSWORD", PASSWORD)
        sent = email_report("weekly", report, ssl_context=client_ctx)
    assert unset[0] == "team-mail: failed: environment variable SYNMON_TEST_SMTP_PASSWORD unset"
    assert unset[1] == "nobody: failed: not an email receiver in channels.yaml"
    assert wrong[0] == "team-mail: failed: SMTP 535"
    assert sent[0] == "team-mail: sent: sent to 1 recipient(s)"
    assert PASSWORD not in " ".join(unset + wrong + sent)
    (msg,) = inbox.messages
    assert msg.get_content_type() == "text/plain"  # no HTML body, no attachment asked for
    assert msg["Subject"].startswith("Weekly performance report 2026-W48")
    # Server down: a failed send, and the rendered files are untouched.
    monkeypatch.setenv("SYNMON_CONFIG_DIR", str(_config(tmp_path / "c2", _port(), RULE)))
    down = email_report("daily", rendered["daily"])
    assert down == ["team-mail: failed: ConnectionRefusedError"]
    assert rendered["daily"].pdf_path.read_bytes()[:5] == b"%PDF-"


def test_reports_config_validation(tmp_path: Path) -> None:
    assert load_reports_config(tmp_path).email == []  # no file: nothing is sent
    cfg = parse_reports_config({"email": [{"reports": ["weekly"], "receivers": ["m"]}]})
    assert cfg.rules_for("daily") == [] and cfg.rules_for("weekly")[0].attach_pdf
    (tmp_path / "reports.yaml").write_text(
        "email:\n  - reports: [monthly]\n    receivers: [m]\n"
        "    subject: '{{ period.__class__ }} {{ secret }}'\n"
    )
    with pytest.raises(ReportsConfigError) as err:
        load_reports_config(tmp_path)
    lines = str(err.value).splitlines()
    assert lines[0].startswith(f"{tmp_path / 'reports.yaml'}: email[0].reports[0]: expected")
    assert lines[1].startswith(f"{tmp_path / 'reports.yaml'}: email[0].subject: expected a Jinja2")
