"""bench/bench_team_load.py --smoke: 5 agents for 5 seconds, and every acknowledged write verified."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_team_load.py"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_team_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_smoke_run_verifies_every_acknowledged_write(
    seeded_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the shipped content; WHEN five agents take exams and role-plays for five seconds
    code = _bench().main(["--smoke", "--db", seeded_url])
    out = capsys.readouterr().out
    # THEN they wrote something, nothing failed, and every acknowledged answer and reply is stored once
    assert code == 0, out
    assert "errors: none" in out, out
    assert "FAIL" not in out and out.count("PASS") == 6, out
    writes = int(out.split("writes ", 1)[1].split()[0])
    assert writes > 10, out
