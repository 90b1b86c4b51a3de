"""The email receiver: one multipart (text + HTML) message per batch over SMTP.

Security `starttls` (submission, port 587), `tls` (implicit TLS, port 465) or `none` (a local
relay); login when a username is set, the password from the environment only. Label values and
annotations are HTML-escaped in the HTML part. SMTP 4xx replies, timeouts and connection errors
are retryable; 5xx replies (refused recipients, failed authentication) are final.
"""

from __future__ import annotations

import html
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sensors.channels import Batch, DeliveryResult


def _title(batch: Batch) -> str:
    alerts = batch.latest
    firing = sum(1 for a in alerts if a["status"] == "firing")
    count = firing if batch.status == "firing" else len(alerts)
    names = ", ".join(dict.fromkeys(a["alertname"] for a in alerts))
    labels = " ".join(f"{k}={v}" for k, v in batch.group_labels.items() if k != "alertname")
    return " ".join(f"[{batch.status.upper()}:{count}] {names} {labels}".split())[:200]


def email_text(batch: Batch) -> str:
    out = [_title(batch), ""]
    for a in batch.latest:
        out.append(f"{a['status'].upper()}  {a['annotations'].get('summary') or a['alertname']}")
        out.append(
            f"  since {a['starts_at']}" + (f", resolved {a['ends_at']}" if a["ends_at"] else "")
        )
        out += [f"  {k} = {v}" for k, v in sorted(a["labels"].items())]
        if a["annotations"].get("description"):
            out.append(f"  {a['annotations']['description']}")
        if a["annotations"].get("runbook_url"):
            out.append(f"  runbook: {a['annotations']['runbook_url']}")
        out.append("")
    return "\n".join(out)


def email_html(batch: Batch) -> str:
    e = html.escape
    rows = []
    for a in batch.latest:
        color = "#c0392b" if a["status"] == "firing" else "#27ae60"
        labels = "".join(
            f"<li><code>{e(str(k))}</code> = <code>{e(str(v))}</code></li>"
            for k, v in sorted(a["labels"].items())
        )
        desc = e(str(a["annotations"].get("description", "")))
        runbook = a["annotations"].get("runbook_url")
        link = f'<p><a href="{e(str(runbook))}">Runbook</a></p>' if runbook else ""
        summary = e(str(a["annotations"].get("summary") or a["alertname"]))
        rows.append(
            f'<div style="border-left:4px solid {color};padding-left:8px;margin:12px 0">'
            f"<h3>{e(a['status'].upper())}: {summary}</h3>"
            f"<p>since {e(str(a['starts_at']))}</p><p>{desc}</p><ul>{labels}</ul>{link}</div>"
        )
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"<h2>{e(_title(batch))}</h2>{''.join(rows)}</body></html>"
    )


def email_message(batch: Batch, *, sender: str, to: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = _title(batch)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="synmon")
    msg.set_content(email_text(batch))
    msg.add_alternative(email_html(batch), subtype="html")
    return msg


class EmailReceiver:
    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        sender: str,
        to: list[str],
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name, self.host, self.port, self.sender, self.to = name, host, port, sender, to
        self.security, self.username, self._password = security, username, password
        self.timeout, self.ssl_context = timeout, ssl_context

    def send(self, batch: Batch) -> DeliveryResult:
        return self.send_message(email_message(batch, sender=self.sender, to=self.to))

    def send_message(self, msg: EmailMessage) -> DeliveryResult:
        """One SMTP session delivering a prepared message (an alert batch's, or a report's)."""
        import smtplib

        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.security == "tls":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self._password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            detail = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
            return DeliveryResult(False, detail, retryable=400 <= exc.smtp_code < 500)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            retry = all(400 <= c < 500 for c in codes)
            return DeliveryResult(False, f"all recipients refused ({codes})", retryable=retry)
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            return DeliveryResult(False, f"{type(exc).__name__}: {_text(exc)}", retryable=True)
        if refused:
            return DeliveryResult(True, f"sent; refused {sorted(refused)}")
        return DeliveryResult(True, f"sent to {len(self.to)} recipient(s)")


def _text(raw: object) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(raw)
