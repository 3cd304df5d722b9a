"""The commands of scripts/gpu_check.sh parse here, and fail in one line without a GPU."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch

from app.cli.main import build_parser, main

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "gpu_check.sh"
BENCH = ["bench", "--policy", "--preset", "pi0", "--device", "cuda", "--cameras", "3", "--json"]


def test_the_script_is_valid_bash() -> None:
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0


def test_bench_policy_takes_the_gpu_options() -> None:
    args = build_parser().parse_args(BENCH)
    assert (args.policy, args.preset, args.device, args.cameras, args.json) == (
        True,
        "pi0",
        "cuda",
        3,
        True,
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error when CUDA is missing")
def test_bench_on_cuda_without_one_is_one_line(capsys) -> None:
    assert main(BENCH) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --device cuda asked for, but no CUDA device is available"
    )


def test_the_plan_the_script_asks_for(capsys) -> None:
    args = ["train", "--preset", "pi0", "--lora", "--plan", "--precision", "bf16"]
    assert main([*args, "--cameras", "a,b,c", "--memory-gb", "139.8", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["max_batch_size"] > 0
