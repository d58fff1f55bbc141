"""A full-page screenshot (PNG) and a PDF of a page through headless Chromium, when installed.

Chromium is driven over its DevTools pipe (``--remote-debugging-pipe``: no port is opened),
with a fresh profile per capture, and may reach only the hosts the fetcher already checked, at
the addresses it checked:

- ``--host-resolver-rules`` maps each checked host name to its checked address and every other
  name to "not found", so a page cannot send Chromium to a host we did not check, and DNS
  cannot answer Chromium differently than it answered us;
- every connection except to the checked hosts goes through a proxy address on which
  nothing answers (a socket bound but not listening), which stops IP-literal URLs too;
  ``<-loopback>`` removes Chromium's own exemption of localhost from that rule.

Scripts on the page run (the screenshot shows the page as a reader saw it); what they load from
other hosts is blocked, so third-party embeds can be missing from the picture.
"""

import base64
import contextlib
import json
import os
import select
import shutil
import socket
import tempfile
import time

from sources.archiving.capture import Artifact
from sources.archiving.fetch import Limits

WIDTH = 1280
MAX_HEIGHT = 16_000


class BrowserError(Exception):
    pass


class _Pipe:
    """DevTools protocol over the two pipes: JSON messages, each ended by a NUL byte."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float):
        self.write_fd, self.read_fd, self.deadline = write_fd, read_fd, deadline
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data) :]
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, until: float) -> bool:
        while True:
            if any(event["method"] == method for event in self.events):
                return True
            if time.monotonic() > until:
                return False
            reply = self._read(until=until)
            if reply and "method" in reply:
                self.events.append(reply)

    def _read(self, until: float | None = None) -> dict:
        until = min(until or self.deadline, self.deadline)
        while b"\0" not in self.buffer:
            remaining = until - time.monotonic()
            if remaining <= 0:
                if until < self.deadline:
                    return {}
                raise BrowserError("Chromium did not answer in time.")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed its pipe.")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)


def chromium_path(configured: str) -> str | None:
    path = configured or shutil.which("chromium") or ""
    return path if path and os.access(path, os.X_OK) else None


def _spawn(argv: list[str]) -> tuple[int, int, int]:
    """Start Chromium with our command pipe as its fd 3 and its answer pipe as its fd 4."""
    command_read, command_write = os.pipe()
    answer_read, answer_write = os.pipe()
    # dup2 onto 3 and 4 must not be a no-op that leaves close-on-exec set.
    moved = [os.dup(fd) if fd in (3, 4) else fd for fd in (command_read, answer_write)]
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        pid = os.posix_spawn(
            argv[0],
            argv,
            {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")},
            file_actions=[
                (os.POSIX_SPAWN_DUP2, moved[0], 3),
                (os.POSIX_SPAWN_DUP2, moved[1], 4),
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
    finally:
        for fd in {command_read, answer_write, *moved, devnull}:
            os.close(fd)
    return pid, command_write, answer_read


def _stop(pid: int) -> None:
    for _ in range(50):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)
    os.waitpid(pid, 0)


def screenshot_and_pdf(
    url: str, limits: Limits, pins: dict[str, str], netlocs: set[str], *, chromium: str
) -> tuple[list[Artifact], list[str]]:
    """Open ``url`` in Chromium allowed to reach only ``netlocs`` (the hosts fetched), with
    each host name pinned to its checked address (``pins``); return a PNG and a PDF."""
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections to it are refused
    profile = tempfile.mkdtemp(prefix="capture-chromium-")
    rules = [f"MAP {host} {f'[{ip}]' if ':' in ip else ip}" for host, ip in pins.items()]
    argv = [
        chromium,
        "--headless=new",
        "--remote-debugging-pipe",
        f"--user-data-dir={profile}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--disable-gpu",
        "--hide-scrollbars",
        "--mute-audio",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        f"--user-agent={limits.user_agent}",
        f"--host-resolver-rules={', '.join([*rules, 'MAP * ~NOTFOUND'])}",
        f"--proxy-server=socks5://127.0.0.1:{closed.getsockname()[1]}",
        # <-loopback> first: Chromium reads the list in order and the later entries win.
        f"--proxy-bypass-list={';'.join(['<-loopback>', *sorted(netlocs)])}",
        f"--window-size={WIDTH},800",
        "about:blank",
    ]
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")  # Chromium refuses to start its sandbox as root
    deadline = time.monotonic() + limits.timeout + 15
    pid, command_write, answer_read = _spawn(argv)
    notes = []
    try:
        pipe = _Pipe(command_write, answer_read, deadline)
        product = pipe.send("Browser.getVersion").get("product", "unknown version")
        tool = f"headless Chromium ({product})"
        target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        pipe.send("Page.enable", session=session)
        pipe.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        navigation = pipe.send("Page.navigate", {"url": url}, session=session)
        if navigation.get("errorText"):
            # Chromium would show its own error page: a picture of that is no capture.
            raise BrowserError(f"Chromium could not open the page ({navigation['errorText']}).")
        if not pipe.wait_for("Page.loadEventFired", time.monotonic() + limits.timeout):
            notes.append("Chromium: the page had not finished loading; captured as it was.")
        metrics = pipe.send("Page.getLayoutMetrics", session=session)
        size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
        height = max(1, min(int(size.get("height", 800)), MAX_HEIGHT))
        if int(size.get("height", 0)) > MAX_HEIGHT:
            notes.append(f"Chromium: the screenshot stops at {MAX_HEIGHT} px.")
        shot = pipe.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1},
            },
            session=session,
        )
        pdf = pipe.send("Page.printToPDF", {"printBackground": True}, session=session)
        with contextlib.suppress(BrowserError):
            pipe.send("Browser.close")
    finally:
        os.close(command_write)
        os.close(answer_read)
        _stop(pid)
        closed.close()
        shutil.rmtree(profile, ignore_errors=True)
    return [
        Artifact("screenshot.png", base64.b64decode(shot["data"]), "image/png", tool),
        Artifact("page.pdf", base64.b64decode(pdf["data"]), "application/pdf", tool),
    ], notes


def make_browser(chromium_setting: str):
    """The ``browser`` callable for capture_url, or None (with the reason) without Chromium."""
    path = chromium_path(chromium_setting)
    if path is None:
        return None

    def browser(url, limits, pins, netlocs):
        try:
            return screenshot_and_pdf(url, limits, pins, netlocs, chromium=path)
        except (BrowserError, OSError) as error:
            return [], [f"Chromium failed, no screenshot or PDF: {error}"]

    return browser
