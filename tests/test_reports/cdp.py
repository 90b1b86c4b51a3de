"""A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe` (no extra package):
load a URL in headless Chromium, collect console errors, uncaught exceptions and failed loads,
and read the page's visible text."""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--remote-debugging-pipe",
)


@dataclass
class PageLoad:
    text: str = ""
    errors: list[str] = field(default_factory=list)


def _high(fd: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class _Pipe:
    def __init__(self, chromium: str, profile: Path) -> None:
        self.log = profile.with_name(profile.name + ".log")
        profile.parent.mkdir(parents=True, exist_ok=True)
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()
        # Move the child's ends above 9 so the 3</4> redirections cannot clobber them (bash,
        # not dash: dash takes single-digit fds only).
        to_r, from_w = (_high(to_r), _high(from_w))
        # Chromium reads commands on fd 3 and writes replies and events on fd 4.
        redirect = f'exec "$0" "$@" 3<&{to_r} 4>&{from_w}'
        self.proc = subprocess.Popen(
            ["bash", "-c", redirect, chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_r, from_w),
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )
        os.close(to_r)
        os.close(from_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"chromium exited ({self.proc.returncode}):\n{tail}")
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        return self._id

    def read(self, deadline: float) -> dict[str, Any] | None:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_r], [], [], left)[0]:
                return None
            chunk = os.read(self._from_r, 1 << 16)
            if not chunk:
                return None
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict[str, Any]:  # fmt: skip
        want = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while (msg := self.read(deadline)) is not None:
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)
        raise TimeoutError(f"no reply to {method} within {timeout} s")

    def close(self) -> None:
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_w)
        os.close(self._from_r)


def _error_of(ev: dict[str, Any]) -> str | None:
    method, p = ev.get("method"), ev.get("params", {})
    if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
        return "console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
    if method == "Runtime.exceptionThrown":
        return "exception: " + json.dumps(p.get("exceptionDetails", {}))[:500]
    if method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
        e = p["entry"]
        return f"log: {e.get('text')} {e.get('url', '')}"
    if method == "Network.loadingFailed":
        return f"network: {p.get('errorText')}"
    return None


def load(chromium: str, url: str, profile: Path, timeout: float = 90) -> PageLoad:
    """Open `url`, wait for the load event, return its visible text and every error seen."""
    pipe = _Pipe(chromium, profile)
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
        session = pipe.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            pipe.call(f"{domain}.enable", session=session)
        pipe.call("Page.navigate", {"url": url}, session=session, timeout=timeout)
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in pipe.events):
            msg = pipe.read(deadline)
            if msg is None:
                raise TimeoutError(f"{url} did not finish loading within {timeout} s")
            pipe.events.append(msg)
        text = pipe.call(
            "Runtime.evaluate",
            {"expression": "document.body ? document.body.innerText : ''", "returnByValue": True},
            session=session,
        )["result"].get("value", "")
        errors = [err for ev in pipe.events if (err := _error_of(ev))]
        return PageLoad(text=text, errors=errors)
    finally:
        pipe.close()
