"""Real servers on 127.0.0.1 for the receiver tests: an HTTP server playing Slack, PagerDuty and
an Alertmanager webhook consumer (scripted answers: 500, 429 + Retry-After, hang, 400), an SMTP
server (aiosmtpd, STARTTLS or implicit TLS, with auth), and notification factories."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sensors.channels import Batch
from sensors.rules import fingerprint


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to sleep before answering


@dataclass
class Recorder:
    script: list[Answer] = field(default_factory=list)  # consumed in order, then 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, request: dict[str, Any]) -> Answer:
        with self.lock:
            self.requests.append(request)
            return self.script.pop(0) if self.script else Answer()

    @property
    def bodies(self) -> list[Any]:
        return [r["body"] for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = {"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)}
        answer = self.server.recorder.next(request)  # type: ignore[attr-defined]
        if answer.hang:
            time.sleep(answer.hang)
        try:
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            body = b'{"status":"success"}' if answer.status < 400 else b'{"error":"scripted"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (timeout)
            pass

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def http_receiver(*script: Answer) -> Iterator[tuple[str, Recorder]]:
    """A recording HTTP server; yields (base URL, recorder)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.recorder = Recorder(list(script))  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.recorder  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def refused_url() -> str:
    """A URL on a port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def tls_contexts(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context that trusts only that server)."""
    cert, key = self_signed(directory)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def note(
    alertname: str = "HighErrorRate",
    status: str = "firing",
    *,
    severity: str = "critical",
    starts_at: str = "2026-03-01T00:20:00Z",
    **labels: str,
) -> dict[str, Any]:
    """A notification as sensors.rules.notification builds it."""
    labels = {"alertname": alertname, "severity": severity, "component": "api_gateway", **labels}
    fp = fingerprint(labels)
    return {
        "status": status,
        "alertname": alertname,
        "severity": severity,
        "labels": labels,
        "annotations": {
            "summary": f"{alertname} on {labels['component']}",
            "description": "it broke",
            "runbook_url": "https://runbooks.example/x",
        },
        "value": 0.42,
        "starts_at": starts_at,
        "ends_at": "2026-03-01T00:40:00Z" if status == "resolved" else None,
        "fingerprint": fp,
        "dedup_key": f"{fp}:{status}:{starts_at}",
    }


def batch(*notes: dict[str, Any], receiver: str = "r") -> Batch:
    first = notes[0]["labels"]
    return Batch(receiver, "{}:{}", {"alertname": first["alertname"]}, list(notes))
