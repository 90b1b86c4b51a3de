"""The email receiver against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS and implicit
TLS, authentication, multipart text + HTML with escaped label values, and failures."""

from __future__ import annotations

import email
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sensors.receivers_email import EmailReceiver

from .channel_servers import batch, note, refused_url, tls_contexts

USER, PASSWORD = "alerts@example.com", "pa55-w0rd"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def authenticator(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USER, PASSWORD)
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _free_port() -> int:
    return int(refused_url().split(":")[2].split("/")[0])


@contextmanager
def smtp_server(tmp_path: Path, security: str) -> Iterator[tuple[int, Inbox, ssl.SSLContext]]:
    server_ctx, client_ctx = tls_contexts(tmp_path)
    inbox = Inbox()
    kwargs = {"authenticator": inbox.authenticator, "auth_required": True}
    if security == "starttls":
        kwargs |= {"tls_context": server_ctx, "require_starttls": True}
    else:
        # implicit TLS: aiosmtpd cannot tell the socket is wrapped (aio-libs/aiosmtpd#281)
        kwargs |= {"ssl_context": server_ctx, "auth_require_tls": False}
    port = _free_port()  # aiosmtpd's start() connects to its own port, so 0 will not do
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port, inbox, client_ctx
    finally:
        controller.stop()


def _receiver(port: int, security: str, ctx: ssl.SSLContext, password: str = PASSWORD):
    return EmailReceiver(
        "mail", host="127.0.0.1", port=port, sender="synmon <alerts@example.com>",
        to=["oncall@example.com", "lead@example.com"], security=security, username=USER,
        password=password, timeout=5, ssl_context=ctx,
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_multipart_mail_over_tls_with_auth(tmp_path: Path, security: str):
    hostile = note(component="<script>alert(1)</script>")
    with smtp_server(tmp_path, security) as (port, inbox, ctx):
        result = _receiver(port, security, ctx).send(batch(hostile, note("Other")))
    assert result.ok, result.detail
    assert inbox.logins == [USER]
    (msg,) = inbox.messages
    assert msg["Subject"].startswith("[FIRING:2] HighErrorRate, Other")
    assert msg["To"] == "oncall@example.com, lead@example.com"
    assert msg.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk()
             if not p.is_multipart()}  # fmt: skip
    assert set(parts) == {"text/plain", "text/html"}
    assert "component = <script>alert(1)</script>" in parts["text/plain"]
    assert "<script>" not in parts["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in parts["text/html"]
    assert PASSWORD not in msg.as_string()


def test_wrong_password_is_final_and_not_shown(tmp_path: Path):
    with smtp_server(tmp_path, "starttls") as (port, inbox, ctx):
        result = _receiver(port, "starttls", ctx, password="wrong-secret").send(batch(note()))
    assert not result.ok and not result.retryable
    assert result.detail.startswith("SMTP 535") and "wrong-secret" not in result.detail
    assert inbox.messages == []


def test_untrusted_certificate_is_refused(tmp_path: Path):
    with smtp_server(tmp_path, "starttls") as (port, inbox, _):
        other = ssl.create_default_context()  # does not trust the self-signed certificate
        result = _receiver(port, "starttls", other).send(batch(note()))
    assert not result.ok and result.retryable and "SSL" in result.detail
    assert inbox.messages == []


def test_server_down_is_retryable(tmp_path: Path):
    port = _free_port()
    result = _receiver(port, "starttls", ssl.create_default_context()).send(batch(note()))
    assert not result.ok and result.retryable and "ConnectionRefused" in result.detail
