"""External programs (tesseract, catdoc) run with a CPU, memory and wall-clock limit each."""

import os
import resource
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from scraper.runtime.processes import die_with_parent


@dataclass(frozen=True)
class ToolLimits:
    seconds: float
    cpu_seconds: int
    memory_bytes: int


class ToolFailed(Exception):
    """A run of an external program that gave no usable output; the message says why."""


def run_tool(
    command: Sequence[str],
    limits: ToolLimits,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
) -> bytes:
    """The standard output of `command`, run under `limits`, or ToolFailed with the reason."""

    memory = within_own_limit(resource.RLIMIT_AS, limits.memory_bytes)
    cpu = within_own_limit(resource.RLIMIT_CPU, limits.cpu_seconds)

    def limit_child() -> None:
        die_with_parent()  # first: under the memory limit, even this call may not fit
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    name = os.path.basename(command[0])
    try:
        completed = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            timeout=limits.seconds,
            preexec_fn=limit_child,
            env={**os.environ, **(env or {})},
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"{name} took longer than {limits.seconds:g} s") from error
    except OSError as error:
        raise ToolFailed(f"{name} could not be started ({error.strerror})") from error
    except subprocess.SubprocessError as error:
        raise ToolFailed(f"{name} could not be started ({error})") from error
    if completed.returncode < 0:
        raise ToolFailed(f"{name} was stopped by {signal_name(-completed.returncode, limits)}")
    if completed.returncode != 0:
        message = last_line(completed.stderr)
        raise ToolFailed(f"{name} exited with status {completed.returncode}: {message}")
    return completed.stdout


def within_own_limit(which: int, wanted: int) -> int:
    """`wanted`, or this process's own hard limit where that is lower (a child may not raise
    it)."""
    _, hard = resource.getrlimit(which)
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def signal_name(number: int, limits: ToolLimits) -> str:
    if number == signal.SIGXCPU:
        return f"its CPU limit ({limits.cpu_seconds} s)"
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:200] if lines else "no message"
