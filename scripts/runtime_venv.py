#!/usr/bin/env python3
"""The runtime virtualenv: what the Docker image installs, and nothing else.

    python3 scripts/runtime_venv.py [--venv .venv-runtime] [--requirements requirements.txt]

The Dockerfile installs `requirements.txt` alone. The project's `.venv` also holds the test
tools, whose dependencies (e.g. `packaging`) can hide a runtime package that is missing from
`requirements.txt`. This script builds a virtualenv from `requirements.txt` ALONE, with the
interpreter that runs it, so that tests/test_runtime_install.py can run web, worker and a task
in it. `make test` runs it before pytest; the test runs it itself when started outside make.

The venv is cached on the requirements: a stamp in it (`.requirements.sha256`) holds the
sha256 of requirements.txt and the interpreter's version; while both match, nothing is done.
Otherwise the folder is deleted and built anew, and the stamp is written last, so a build that
failed halfway is never taken for a good one. A lock file beside the folder
(`<venv>.lock`) keeps two runs from building the same folder at once.

Standard library only: it runs with the system python3 before any virtualenv exists. Prints
the venv's path on success; exits 1 with pip's output on failure.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAMP_NAME = ".requirements.sha256"


class BuildFailed(Exception):
    """The venv could not be built; the message carries the failing command's output."""


def stamp_for(requirements: Path) -> str:
    """What the stamp of a venv built from ``requirements`` with this interpreter holds."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    version = ".".join(str(part) for part in sys.version_info[:3])
    return f"sha256 {digest}\npython {version}\n"


def is_current(venv: Path, requirements: Path) -> bool:
    """True when ``venv`` was built from ``requirements`` as it is now, by this Python version,
    and its interpreter still runs (a removed base interpreter leaves a dangling link)."""
    try:
        stamp = (venv / STAMP_NAME).read_text()
    except OSError:
        return False
    return stamp == stamp_for(requirements) and (venv / "bin" / "python").exists()


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-6000:]
        raise BuildFailed(f"{' '.join(command)} exited {result.returncode}:\n{output}")


def ensure(venv: Path, requirements: Path) -> bool:
    """Make ``venv`` a virtualenv with exactly ``requirements`` installed (and what they pull).

    Idempotent: does nothing while the stamp matches. Returns True when it built the venv.
    Raises BuildFailed with pip's output when venv creation, the install or `pip check` fails;
    the folder is then left without a stamp, so the next run starts over.
    """
    venv = venv.absolute()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_name(venv.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second run waits, then finds the venv current
        if is_current(venv, requirements):
            return False
        shutil.rmtree(venv, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(venv)])
        python = str(venv / "bin" / "python")
        quiet = ["--quiet", "--disable-pip-version-check"]
        run([python, "-m", "pip", "install", *quiet, "-r", str(requirements)])
        # A requirement that conflicts with another's pins installs anyway; pip check says so.
        run([python, "-m", "pip", "check", "--disable-pip-version-check"])
        (venv / STAMP_NAME).write_text(stamp_for(requirements))
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=REPO / ".venv-runtime")
    parser.add_argument("--requirements", type=Path, default=REPO / "requirements.txt")
    args = parser.parse_args()
    try:
        if ensure(args.venv, args.requirements):
            print(f"built {args.venv} from {args.requirements} alone", file=sys.stderr)
    except BuildFailed as exc:
        print(f"could not build the runtime venv {args.venv}: {exc}", file=sys.stderr)
        return 1
    print(args.venv.absolute())
    return 0


if __name__ == "__main__":
    sys.exit(main())
