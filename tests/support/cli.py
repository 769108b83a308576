"""The command line as tests run it: in this process through `citynews.cli.main`, or as a real
process where the process itself is the point (signals, exit of a real process, the reactor)."""

import atexit
import contextlib
import io
import json
import locale
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CLI_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# A crawl and `inspect` run Twisted's reactor, which starts once per process; `serve` runs
# until it is stopped: `citynews` runs these in a process of their own.
# What a forked process cannot take from its environment: how an interpreter starts.
STARTUP_VARIABLES = ("PYTHON", "LC_", "LANG")
OWN_PROCESS_COMMANDS = frozenset({"crawl", "inspect", "serve"})
SCRAPY_RUNNERS = ("CrawlerProcess", "AsyncCrawlerProcess", "CrawlerRunner", "AsyncCrawlerRunner")


class CrawlStartedInTests(AssertionError):
    """A command run in the test process got as far as starting a crawl."""


@dataclass(frozen=True)
class CliResult:
    """What a user sees of one command: its exit status, standard output and standard error
    (decoded as `subprocess.run(text=True)` decodes them), and the bytes of its output."""

    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def run_citynews(
    *args: str, cwd: Path, timeout: float = 300, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess:
    """Run the real command line in a process of its own, as a user would: forked from a
    launcher that imported it once (tests/support/launcher.py), or `python -m citynews` when
    the environment asked for changes how an interpreter starts (its encoding, its locale)."""
    environment = process_environment(env)
    if any(name.startswith(STARTUP_VARIABLES) for name in env or {}):
        return subprocess.run(
            [sys.executable, "-m", "citynews", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
        )
    return Launcher.shared().run(list(args), cwd, environment, timeout)


class Launcher:
    """This test process's launcher of commands, started on first use."""

    _shared: "Launcher | None" = None

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="citynews-launcher-"))
        self.socket_path = str(self.folder / "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.launcher", self.socket_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=CLI_ENV,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == b"ready\n"
        atexit.register(self.close)

    @classmethod
    def shared(cls) -> "Launcher":
        if cls._shared is None or cls._shared.process.poll() is not None:
            cls._shared = cls()
        return cls._shared

    def run(
        self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess:
        command = self.start(argv, cwd, env)
        try:
            stdout, stderr = command.communicate(timeout)
        except subprocess.TimeoutExpired:
            command.kill()
            command.wait()
            raise
        return subprocess.CompletedProcess(["citynews", *argv], command.returncode, stdout, stderr)

    def start(
        self, argv: list[str], cwd: Path, env: dict[str, str], stdout: int | None = None
    ) -> "LaunchedCommand":
        """Start a command and return at once; its standard output goes to the file descriptor
        `stdout` if one is given (a terminal), else to a pipe read as it runs."""
        request = json.dumps({"argv": argv, "cwd": str(cwd), "env": env}).encode()
        err, err_end = os.pipe()
        out, out_end = os.pipe() if stdout is None else (None, os.dup(stdout))
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(self.socket_path)
        socket.send_fds(connection, [len(request).to_bytes(8, "big")], [out_end, err_end])
        os.close(out_end)
        os.close(err_end)
        connection.sendall(request)
        return LaunchedCommand(["citynews", *argv], connection, out, err)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


class LaunchedCommand:
    """A command the launcher started, used as a `subprocess.Popen` with text output is."""

    def __init__(self, args: list[str], connection: socket.socket, out: int | None, err: int):
        self.args = args
        self.readers = (PipeReader(out) if out is not None else None, PipeReader(err))
        self.answers = connection.makefile("rb")
        connection.close()  # the file keeps the socket open
        self.pid: int = json.loads(self.answers.readline())["pid"]
        self.returncode: int | None = None
        self.waiter = threading.Thread(target=self._wait, daemon=True)
        self.waiter.start()

    def _wait(self) -> None:
        with self.answers:
            self.returncode = json.loads(self.answers.readline())["status"]

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self.waiter.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str | None, str]:
        """Its standard output (None when it went elsewhere) and error, once it has ended."""
        self.wait(timeout)
        out, err = self.readers
        return (out.text() if out is not None else None), err.text()

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class PipeReader:
    """Everything written to a pipe until its last writer closes it, read in a thread (as
    `subprocess.run` reads a command's output, so a full pipe never blocks the command)."""

    def __init__(self, fd: int) -> None:
        self.stream = os.fdopen(fd, "rb")
        self.data = b""
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self) -> None:
        with self.stream:
            self.data = self.stream.read()

    def text(self) -> str:
        """What was written, decoded as `subprocess.run(text=True)` decodes it."""
        self.thread.join()
        encoding = locale.getpreferredencoding(False)
        return io.TextIOWrapper(io.BytesIO(self.data), encoding=encoding).read()


def start_citynews(
    *args: str, cwd: Path, env: Mapping[str, str | None] | None = None, stdout: int | None = None
) -> LaunchedCommand:
    """Start the real command line in a process of its own (as run_citynews does) and return
    at once, to signal it or watch it while it runs."""
    return Launcher.shared().start(list(args), cwd, process_environment(env), stdout)


def run_main(*args: str, cwd: Path, env: Mapping[str, str | None] | None = None) -> CliResult:
    """Run `citynews.cli.main(args)` in this process, in folder cwd, with env's variables set
    (None: unset), and return what it printed and its exit status.

    For `crawl` and `inspect` this checks what they refuse before fetching anything: should one
    go on to start Scrapy, CrawlStartedInTests fails the test (the reactor would stay behind)."""
    from citynews.cli import main

    stdout, stderr = output_stream("strict"), output_stream("backslashreplace")
    with (
        pytest.MonkeyPatch.context() as patch,
        redirect_stdout(stdout),
        redirect_stderr(stderr),
        log_records_to(stderr),
    ):
        patch.chdir(cwd)
        for name, value in (env or {}).items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        no_crawl_started(patch)
        try:
            status = main(list(args))
        except SystemExit as exit_:
            status = exit_status(exit_.code)
    out, err = written(stdout), written(stderr)
    return CliResult(status, as_text(out), as_text(err), out)


def citynews(
    *args: str, cwd: Path, env: Mapping[str, str | None] | None = None, timeout: float = 300
) -> CliResult | subprocess.CompletedProcess:
    """Run a command in this process, or in its own when it crawls, inspects or serves."""
    if args and args[0] in OWN_PROCESS_COMMANDS and "--help" not in args:
        return run_citynews(*args, cwd=cwd, env=env, timeout=timeout)
    return run_main(*args, cwd=cwd, env=env)


def export_json(db_url: str, cwd: Path, *extra: str) -> list[dict]:
    """The archive's records as `citynews export --format json --out -` prints them."""
    result = run_main("export", "--format", "json", "--out", "-", "--db", db_url, *extra, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_line_error(result: CliResult | subprocess.CompletedProcess, code: int, words: str) -> str:
    """The single error line of a failed command (no traceback), checked for its words."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1, result.stderr
    assert words in error_lines[0], result.stderr
    return error_lines[0]


def output_stream(errors: str) -> io.TextIOWrapper:
    """A stand-in for sys.stdout or sys.stderr: UTF-8 text over bytes, not a terminal."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors)


def written(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    assert isinstance(stream.buffer, io.BytesIO)
    return stream.buffer.getvalue()


def as_text(data: bytes) -> str:
    """Bytes decoded with universal newlines, as `subprocess.run(text=True)` gives them."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read()


def process_environment(env: Mapping[str, str | None] | None) -> dict[str, str]:
    variables = dict(CLI_ENV)
    for name, value in (env or {}).items():
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = value
    return variables


def exit_status(code: object) -> int:
    """The status a process ends with after SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def no_crawl_started(patch: pytest.MonkeyPatch) -> None:
    """Make any Scrapy crawler process or runner fail the test as it is created."""
    from scrapy import crawler

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise CrawlStartedInTests("a crawl must run in a process of its own: use run_citynews")

    for name in SCRAPY_RUNNERS:
        patch.setattr(getattr(crawler, name), "__init__", refuse)


@contextmanager
def log_records_to(stream: io.TextIOWrapper) -> Iterator[None]:
    """Warnings logged during the command reach its stderr, as Python's last-resort handler
    prints them in a process where nothing configured logging."""
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
