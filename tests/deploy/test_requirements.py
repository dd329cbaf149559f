"""Production installs what the tests ran on: requirements.txt (the runtime set, the image's)
pins every package at the version requirements-dev.txt (the suite's) pins it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def test_the_runtime_set_is_pinned_as_the_tests_ran():
    runtime, tested = pins("requirements.txt"), pins("requirements-dev.txt")
    assert len(runtime) > 40  # the files were read
    assert {
        name: (version, tested.get(name))
        for name, version in runtime.items()
        if tested.get(name) != version
    } == {}


def test_the_test_tools_stay_out_of_the_runtime_set():
    runtime = pins("requirements.txt")
    for tool in (
        "pytest",
        "playwright",
        "hypothesis",
        "mypy",
        "ruff",
        "frictionless",
        "granian",
        "ortools",
    ):
        assert tool not in runtime, tool
