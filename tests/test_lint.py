"""Types and lint are part of the test run: mypy and ruff, configured in pyproject.toml, find
nothing. A failure prints what they found, file and line, as they print it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(tool) is None:
        pytest.fail(f"{tool} is a test dependency: pip install -e '.[test]'")
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--no-fix", "--output-format", "concise", ".")
    assert result.returncode == 0, f"ruff check:\n{result.stdout}{result.stderr}"


def test_mypy_finds_nothing() -> None:
    # The files, the strictness and the cache folder (.mypy_cache, reused between runs so that
    # this takes seconds, not half a minute) come from [tool.mypy].
    result = _run("mypy")
    assert result.returncode == 0, f"mypy:\n{result.stdout}{result.stderr}"
