"""Evidence packs as PDF, printed by a Chromium already on the machine.

Councils circulate packs as PDF (committee papers, improvement-plan annexes). A pack's HTML is
self-contained, so a headless Chromium prints it exactly as a reader's browser shows it; that
is what ``pmresearch packs --pdf`` does for every pack. No browser is downloaded: the one the
machine has is found by :func:`find_chromium` (``$PMRESEARCH_CHROMIUM``, then ``chromium``,
``chromium-browser`` and ``google-chrome`` on ``PATH``), and where there is none the packs are
written as HTML only, with :func:`chromium_install_hint` saying how to get one.

Chromium is run once per page with its own throw-away profile, with name lookups switched off
so that a pack never reaches the internet while it is printed (its data stay on the machine and
a missing network cannot stall a batch), and with a virtual-time budget so that the page's
scripts and timers have run before it is printed. :func:`render_page` shows the same page as a
browser has built it (the DOM after scripts) with the network requests it tried to make, for
tests that check a pack as a reader sees it.

The flags were checked with Chromium 156 (Debian bookworm): ``--headless=new`` (the only
headless mode from Chrome 132; it selects the same mode in 112-131), ``--no-pdf-header-footer``
(Chrome 111 and later; ``--print-to-pdf-no-header`` before, passed too and ignored by newer
versions) and ``--virtual-time-budget``. Chromium exits with status 0 even when it cannot load
the page or write the PDF, so the output file itself is checked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
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
    # Virtual time runs fast-forward: the page's timers and scripts finish before printing
    # without costing wall-clock time.
    "--virtual-time-budget=10000",
)
_PDF_FLAGS = ("--no-pdf-header-footer", "--print-to-pdf-no-header")
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
        Seconds to wait for Chromium before stopping it.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    PackError
        No Chromium was found, the page is missing, or Chromium failed or took too long; the
        message carries the end of Chromium's error output.

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
    partial = pdf_path.with_name(f".{pdf_path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with tempfile.TemporaryDirectory(prefix="pmresearch-chromium-") as profile:
            stderr = _run([binary, *_FLAGS, *_PDF_FLAGS, f"--user-data-dir={profile}",
                           f"--print-to-pdf={partial}", page], timeout, html_path)
        if not partial.is_file() or partial.read_bytes()[:5] != b"%PDF-":
            raise PackError(f"Chromium ({binary}) did not print {html_path} to PDF"
                            f"{_said(stderr)}. {_check(binary)}")
        os.replace(partial, pdf_path)
    finally:
        partial.unlink(missing_ok=True)
    return pdf_path


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
        command = [binary, *_FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}",
                   "--dump-dom", page]
        dom, stderr = _run(command, timeout, html_path, want_stdout=True)
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


def _run(command: list[str], timeout: float, html_path: Path, *, want_stdout: bool = False):
    """Run Chromium in its own process group, so a time-out stops its helper processes too."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE if want_stdout else subprocess.DEVNULL,
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
    return (stdout.decode("utf-8", "replace"), stderr) if want_stdout else stderr


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
