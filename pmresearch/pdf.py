"""Evidence packs as PDF, printed by a Chromium already on the machine.

Councils circulate packs as PDF (committee papers, improvement-plan annexes). A pack's HTML is
self-contained, so a headless Chromium prints it exactly as a reader's browser shows it; that
is what ``pmresearch packs --pdf`` does for every pack. No browser is downloaded: the one the
machine has is found by :func:`find_chromium` (``$PMRESEARCH_CHROMIUM``, then ``chromium``,
``chromium-browser`` and ``google-chrome`` on ``PATH``), and where there is none the packs are
written as HTML only, with :func:`chromium_install_hint` saying how to get one.

Chromium is run once per page with its own throw-away profile and with name lookups switched
off, so that a pack never reaches the internet while it is printed (its data stay on the
machine and a missing network cannot stall a batch).

:func:`print_pdf` drives Chromium over its DevTools pipe (``--remote-debugging-pipe``: commands
in on file descriptor 3, replies and events out on 4, no network port and no extra package), so
that when a page does not print it can say why rather than only that time ran out: the page
opened a JavaScript dialog and waits for someone to close it, it is still waiting for a file it
names, the renderer or the browser crashed, the sandbox refused to start, or what came back is
not a PDF. Only a page that was still printing, or still reading files that do arrive, is told
to try a longer timeout. :func:`render_page` shows the same page as a browser has built it (the
DOM after scripts, with a virtual-time budget so its timers have run) with the network requests
it tried to make, for tests that check a pack as a reader sees it.

The flags were checked with Chromium 150 and 156 (Debian bookworm): ``--headless=new`` (the
only headless mode from Chrome 132; it selects the same mode in 112-131),
``--remote-debugging-pipe``, ``--dump-dom`` and ``--virtual-time-budget``. The DevTools pipe
needs a POSIX system (Linux, macOS).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import PackError

__all__ = ["CHROMIUM_ENV", "CHROMIUM_NAMES", "RenderedPage", "chromium_install_hint",
           "find_chromium", "print_pdf", "render_page"]

#: Environment variable naming the Chrome or Chromium binary to use.
CHROMIUM_ENV = "PMRESEARCH_CHROMIUM"
#: Commands looked for on ``PATH``, in this order, when the variable names no usable binary.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

_FLAGS = (
    "--headless=new",
    # Root cannot run Chromium's sandbox, and containers seldom allow the user namespaces it
    # needs; the page printed is the council's own file, with the network shut off below.
    "--no-sandbox",
    "--disable-gpu",
    # Containers give /dev/shm 64 MB, too little for a long page; Debian's wrapper adds this
    # only when /dev/shm is small, other builds never do.
    "--disable-dev-shm-usage",
    "--no-first-run",
    # Every host name fails to resolve: nothing the page or the browser asks for leaves the
    # machine, and an offline batch does not wait on network time-outs.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
# Virtual time runs fast-forward: the page's timers and scripts finish before the DOM is
# dumped without costing wall-clock time.
_DOM_FLAGS = ("--virtual-time-budget=10000", "--dump-dom")
# As Chromium's own --print-to-pdf: backgrounds (table headings) printed, the page's @page size
# (A4) used, no browser header or footer.
_PRINT_OPTIONS = {"printBackground": True, "preferCSSPageSize": True,
                  "displayHeaderFooter": False}
# Chromium reads DevTools commands from descriptor 3 and writes to 4. subprocess can only pass
# descriptors under their own numbers, so a small Python step moves the pipes onto 3 and 4
# (through numbers of 10 and up, so that neither overwrites the other) and becomes Chromium.
_ON_FDS_3_AND_4 = ("import fcntl, os, sys\n"
                   "a, b = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])\n"
                   "os.dup2(a, 3); os.dup2(b, 4); os.close(a); os.close(b)\n"
                   "os.execvp(sys.argv[3], sys.argv[3:])")
# Chromium's error output that names a cause of its own: (text it prints, what it means).
_KNOWN_FAILURES = (
    (("No usable sandbox", "without --no-sandbox"),
     "its sandbox could not start. pmresearch passes --no-sandbox, so this command (a snap or "
     "a wrapper script?) does not hand it on: set PMRESEARCH_CHROMIUM to the browser binary "
     "itself (e.g. /usr/lib/chromium/chromium)."),
    (("error while loading shared libraries",),
     "a library it needs is missing. Install Chromium with the system's package manager "
     "(Debian/Ubuntu: sudo apt-get install chromium) so that its libraries come with it."),
)
_BROWSER_OWN = "not an origin"  # NetLog's initiator of the browser's own requests (updates …)


def chromium_install_hint() -> str:
    """How to get a Chromium that pmresearch can print packs with.

    Examples
    --------
    >>> print(chromium_install_hint())
    Install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set PMRESEARCH_CHROMIUM to a Chrome/Chromium binary.
    """
    return ("Install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or set "
            f"{CHROMIUM_ENV} to a Chrome/Chromium binary.")


def find_chromium() -> str | None:
    """The Chrome or Chromium binary to print with, or None when the machine has none.

    ``$PMRESEARCH_CHROMIUM`` is used when it names an executable (a path, or a command on
    ``PATH``); otherwise the first of :data:`CHROMIUM_NAMES` found on ``PATH``.

    Returns
    -------
    str or None
        Full path of the binary.

    Examples
    --------
    >>> found = find_chromium()
    >>> found is None or Path(found).is_file()
    True
    """
    candidates = [os.environ.get(CHROMIUM_ENV, "").strip(), *CHROMIUM_NAMES]
    for candidate in candidates:
        found = shutil.which(candidate) if candidate else None
        if found:
            return found
    return None


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None,
              timeout: float = 120.0) -> Path:
    """Print an HTML file to PDF with headless Chromium, as a reader's browser would print it.

    The PDF is written under a temporary name beside ``pdf_path`` and renamed into place, so a
    failed or interrupted print never leaves a truncated PDF where a good one is expected.

    Parameters
    ----------
    html_path : str or Path
        The page to print; resources it names are resolved relative to its folder.
    pdf_path : str or Path
        Where to write the PDF (replaced if it exists). Its folder must exist.
    chromium : str, optional
        Chrome or Chromium binary; :func:`find_chromium` when omitted.
    timeout : float, default 120
        Seconds to wait for Chromium to start, load the page and print it before stopping it.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PackError
        No Chromium was found or the page is missing; or the page did not print, with why:
        Chromium failed to start (its sandbox, a missing library, its exit status), the page
        opened a JavaScript dialog, it was still waiting for a file it names (which ones), its
        renderer crashed, printing outlasted ``timeout``, or what came back was not a PDF. The
        message carries the end of Chromium's error output where that helps.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "page.html").write_text("<title>A pack</title><h1>Hello</h1>")
    >>> if find_chromium():  # where no Chromium is installed there is nothing to print with
    ...     print(print_pdf(folder / "page.html", folder / "page.pdf").read_bytes()[:5])
    ... else:
    ...     print(b"%PDF-")
    b'%PDF-'
    """
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    binary = _binary(chromium)
    page = _page_uri(html_path)
    with tempfile.TemporaryDirectory(prefix="pmresearch-chromium-") as scratch:
        with _DevTools(binary, html_path, Path(scratch), timeout) as browser:
            pdf = browser.print_page(page)
    if pdf[:5] != b"%PDF-":
        found = "nothing" if not pdf else f"{len(pdf)} bytes that are not a PDF"
        raise PackError(f"Chromium ({binary}) printed {html_path} but gave back {found}. "
                        f"{_check(binary)}")
    partial = pdf_path.with_name(f".{pdf_path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        partial.write_bytes(pdf)
        os.replace(partial, pdf_path)
    finally:
        partial.unlink(missing_ok=True)
    return pdf_path


class _DevTools:
    """One headless Chromium driven over its DevTools pipe, watched for why a page stalls.

    Commands are JSON messages ended by a NUL byte, written to Chromium's descriptor 3; its
    replies (``id``) and events (``method``) come back the same way on descriptor 4. Every wait
    shares one deadline. Events that mean the page will never print (a dialog, a crash) raise
    at once; the page's unfinished requests are tracked so that a time-out can name them.
    """

    def __init__(self, binary: str, html_path: Path, scratch: Path, timeout: float):
        self.binary, self.html_path, self.timeout = binary, html_path, timeout
        self.deadline = time.monotonic() + timeout
        self.stage = "starting"  # what Chromium was doing, for the message if it stops
        self.log = scratch / "chromium.log"
        self.session: str | None = None
        self.loaded = False
        self.pending: dict[str, str] = {}  # request id → URL the page is still waiting for
        self._buffer, self._searched, self._last_id = bytearray(), 0, 0
        command_in, self._commands = os.pipe()
        self._replies, reply_out = os.pipe()
        try:
            with open(self.log, "wb") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-I", "-c", _ON_FDS_3_AND_4, str(command_in), str(reply_out),
                     binary, *_FLAGS, f"--user-data-dir={scratch / 'profile'}",
                     "--remote-debugging-pipe", "about:blank"],
                    pass_fds=(command_in, reply_out), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        except BaseException:
            os.close(self._commands)
            os.close(self._replies)
            raise
        finally:
            os.close(command_in)
            os.close(reply_out)

    def __enter__(self) -> "_DevTools":
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:  # a clean close lets Chromium remove its profile's locks
                self._send("Browser.close", session=False)
                self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            _stop(self.process)  # the whole process group: renderers and helpers too
            os.close(self._commands)
            os.close(self._replies)

    def print_page(self, page: str) -> bytes:
        """Open ``page`` in a new tab, wait for its load event, and print it."""
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        self.session = self.call("Target.attachToTarget", {"targetId": target["targetId"],
                                                           "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Network", "Inspector"):
            self.call(f"{domain}.enable")
        self.stage = "loading"
        opened = self.call("Page.navigate", {"url": page})
        if opened.get("errorText"):
            raise PackError(f"Chromium ({self.binary}) could not open {self.html_path}: "
                            f"{opened['errorText']}. Check that the file can be read.")
        while not self.loaded:
            self._handle(self._receive())
        self.stage = "printing"
        return base64.b64decode(self.call("Page.printToPDF", _PRINT_OPTIONS)["data"])

    def call(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        """Send a command and return its result, handling the events that come first."""
        sent = self._send(method, params, session=session)
        while True:
            message = self._receive()
            if message.get("id") != sent:
                self._handle(message)
            elif "error" in message:
                raise PackError(f"Chromium ({self.binary}) refused {method} "
                                f"{self._doing()}: "
                                f"{message['error'].get('message', message['error'])}. It may "
                                "be too old: use Chromium 112 or later.")
            else:
                return message.get("result", {})

    def _send(self, method: str, params: dict | None = None, *, session: bool = True) -> int:
        self._last_id += 1
        message = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        try:
            os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        except BrokenPipeError:
            raise self._ended() from None
        return self._last_id

    def _receive(self) -> dict:
        # A PDF comes back as one message of megabytes in pipe-sized chunks: the buffer grows
        # in place and each chunk is searched once for the NUL that ends a message.
        while (end := self._buffer.find(b"\0", self._searched)) < 0:
            self._searched = len(self._buffer)
            left = self.deadline - time.monotonic()
            ready = select.select([self._replies], [], [], left)[0] if left > 0 else []
            if not ready:
                raise self._late()
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise self._ended()
            self._buffer += chunk
        message = json.loads(self._buffer[:end])
        del self._buffer[:end + 1]
        self._searched = 0
        return message

    def _handle(self, event: dict) -> None:
        method, params = event.get("method"), event.get("params") or {}
        if method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Network.requestWillBeSent":
            self.pending[params["requestId"]] = params["request"]["url"]
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self.pending.pop(params.get("requestId"), None)
        elif method == "Page.javascriptDialogOpening":
            shown = params.get("message", "")
            shown = shown if len(shown) <= 60 else shown[:59] + "…"
            raise PackError(
                f"{self.html_path} opened a JavaScript {params.get('type', 'dialog')} "
                f"({shown!r}) while {self.stage}, and a page waiting for someone to close a "
                "dialog cannot be printed. Packs made by pmresearch carry no script: make the "
                "pack again with pmresearch packs, or remove the script from the page.")
        elif method in ("Inspector.targetCrashed", "Target.targetCrashed"):
            raise PackError(
                f"Chromium's renderer crashed {self._doing()}"
                f"{_said(self._log_text())}. This is most often a lack of memory: close other "
                "programs or print fewer packs at once (--jobs), then try again.")

    def _ended(self) -> PackError:
        """Chromium closed its end of the pipe: say how it ended."""
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        stderr = self._log_text()
        for signs, meaning in _KNOWN_FAILURES:
            if any(sign in stderr for sign in signs):
                return PackError(f"Chromium ({self.binary}) could not open {self.html_path}: "
                                 f"{meaning}")
        if status is not None and status < 0:
            try:
                how = f"crashed ({signal.Signals(-status).name})"
            except ValueError:
                how = f"crashed (signal {-status})"
        elif status:
            return PackError(f"Chromium ({self.binary}) failed on {self.html_path} with exit "
                             f"status {status}{_said(stderr)}. {_check(self.binary)}")
        else:
            how = "stopped answering" if status is None else "exited"
        return PackError(f"Chromium ({self.binary}) {how} {self._doing()}{_said(stderr)}. "
                         f"{_check(self.binary)}")

    def _late(self) -> PackError:
        """The deadline passed: say what Chromium was still doing."""
        within = f"{self.timeout:g} s"
        if self.stage == "starting":
            return PackError(f"Chromium ({self.binary}) did not start within {within} and was "
                             f"stopped{_said(self._log_text())}. {_check(self.binary)}")
        if self.stage == "printing":
            return PackError(f"Chromium ({self.binary}) was still printing {self.html_path} "
                             f"after {within} and was stopped. A long page takes a while to "
                             "print: try again with a longer timeout.")
        if self.pending:
            waited = ", ".join(sorted(set(self.pending.values())))
            return PackError(f"{self.html_path} had not finished loading after {within}: "
                             f"Chromium was still waiting for {waited}. Check that it can be "
                             "read (a pipe, or a file on a drive that does not answer, never "
                             "arrives); if it is merely slow, try again with a longer timeout.")
        return PackError(f"{self.html_path} had not finished loading after {within}, though "
                         "everything it names had arrived: a script on the page is probably "
                         "running without end. Packs made by pmresearch carry no script: make "
                         "the pack again with pmresearch packs, or remove the script.")

    def _doing(self) -> str:
        if self.stage == "starting":
            return f"while starting, before it opened {self.html_path}"
        return f"while {self.stage} {self.html_path}"

    def _log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class RenderedPage:
    """A page as headless Chromium built it.

    ``dom`` is the document after its scripts ran (``--dump-dom``); ``requests`` lists, in
    order, every network URL (http, https, ws …) the page tried to load, even though the
    lookups were refused.
    """

    dom: str
    requests: tuple[str, ...]


def render_page(html_path: str | Path, *, chromium: str | None = None,
                timeout: float = 120.0) -> RenderedPage:
    """Open an HTML file in headless Chromium; return its DOM and the requests it made.

    Parameters
    ----------
    html_path : str or Path
        The page to open.
    chromium : str, optional
        Chrome or Chromium binary; :func:`find_chromium` when omitted.
    timeout : float, default 120
        Seconds to wait for Chromium before stopping it.

    Returns
    -------
    RenderedPage
        ``dom`` and ``requests``.

    Raises
    ------
    PackError
        As :func:`print_pdf`.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "page.html").write_text(
    ...     "<p id=a></p><script>a.textContent = 'made by a script'</script>")
    >>> if find_chromium():
    ...     page = render_page(folder / "page.html")
    ...     print("made by a script</p>" in page.dom, page.requests)
    ... else:
    ...     print(True, ())
    True ()
    """
    html_path = Path(html_path)
    binary = _binary(chromium)
    page = _page_uri(html_path)
    with tempfile.TemporaryDirectory(prefix="pmresearch-chromium-") as scratch:
        profile, netlog = Path(scratch) / "profile", Path(scratch) / "netlog.json"
        command = [binary, *_FLAGS, *_DOM_FLAGS, f"--user-data-dir={profile}",
                   f"--log-net-log={netlog}", page]
        dom, stderr = _run(command, timeout, html_path)
        if not dom.strip():
            raise PackError(f"Chromium ({binary}) showed nothing for {html_path}"
                            f"{_said(stderr)}. {_check(binary)}")
        requests = _page_requests(netlog)
    return RenderedPage(dom, requests)


def _check(binary: str) -> str:
    return (f"Check that it runs ('{binary} --headless=new --dump-dom about:blank'), or set "
            f"{CHROMIUM_ENV} to another Chrome/Chromium binary.")


def _binary(chromium: str | None) -> str:
    binary = chromium or find_chromium()
    if binary is None:
        raise PackError(f"No Chromium found to print or show the pack. {chromium_install_hint()}")
    return binary


def _page_uri(html_path: Path) -> str:
    if not html_path.is_file():
        raise PackError(f"{html_path}: no such HTML file. Make the pack first "
                        "(pmresearch packs).")
    return html_path.resolve().as_uri()


def _run(command: list[str], timeout: float, html_path: Path) -> tuple[str, str]:
    """Run Chromium in its own process group, so a time-out stops its helper processes too;
    its output and error output."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise PackError(f"Chromium ({command[0]}) did not finish {html_path} within "
                        f"{timeout:g} s and was stopped. Try again with a longer timeout, or "
                        "check that the page opens in a browser.") from None
    except BaseException:
        _stop(process)
        raise
    stderr = stderr.decode("utf-8", "replace")
    if process.returncode != 0:
        raise PackError(f"Chromium ({command[0]}) failed on {html_path} with exit status "
                        f"{process.returncode}{_said(stderr)}. "
                        f"{_check(command[0])}")
    return stdout.decode("utf-8", "replace"), stderr


def _stop(process: subprocess.Popen) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass
    process.communicate()


def _said(stderr: str, lines: int = 5) -> str:
    """The end of Chromium's error output, without its noise about the missing D-Bus."""
    useful = [line.strip() for line in stderr.splitlines()
              if line.strip() and "dbus" not in line.lower()]
    return f": {' | '.join(useful[-lines:])}" if useful else ""


def _page_requests(netlog: Path) -> tuple[str, ...]:
    """Network URLs the page asked for, read from Chromium's NetLog (``--log-net-log``).

    Each request's ``URL_REQUEST_START_JOB`` event names its URL and initiator; the browser's
    own background requests (component updates …) have the initiator "not an origin".
    """
    try:
        log = json.loads(netlog.read_text(encoding="utf-8"))
        start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        events = log["events"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PackError(f"Chromium's network log {netlog.name} could not be read ({error}); "
                        "this Chromium may be too old for it (use Chromium 112 or later).") \
            from None
    urls = []
    for event in events:
        params = event.get("params") or {}
        url = params.get("url", "")
        if (event.get("type") == start_job and params.get("initiator") != _BROWSER_OWN
                and url.split(":", 1)[0] in {"http", "https", "ws", "wss", "ftp"}
                and url not in urls):
            urls.append(url)
    return tuple(urls)
