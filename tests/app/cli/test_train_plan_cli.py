"""`main.py train --plan`: the memory estimate, with no data, and its one-line errors."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main

KEYS = {"weights_gb", "gradients_gb", "optimizer_gb", "activations_gb", "peak_gb"}


def test_plan_needs_no_data_and_ends_with_json(capsys) -> None:
    code = main(["train", "--preset", "pi0", "--lora", "--plan", "--precision", "bf16", "--json"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    result = json.loads(lines[-1])
    assert set(result) == KEYS
    assert result["peak_gb"] == pytest.approx(
        sum(result[key] for key in KEYS - {"peak_gb"}), abs=0.01
    )


def test_memory_gb_gives_the_largest_batch(capsys) -> None:
    args = ["train", "--preset", "pi0", "--plan", "--precision", "bf16", "--json"]
    main([*args, "--lora", "--memory-gb", "80"])
    small = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    main([*args, "--lora", "--memory-gb", "140"])
    large = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 < small["max_batch_size"] < large["max_batch_size"]


def test_sharding_lowers_the_plan(capsys) -> None:
    args = ["train", "--preset", "pi0", "--plan", "--precision", "bf16", "--json"]
    main(args)
    alone = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    main([*args, "--fsdp", "--processes", "8"])
    sharded = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sharded["optimizer_gb"] < alone["optimizer_gb"] / 4


def test_plan_counts_only_the_parts_left_to_train(capsys) -> None:
    args = ["train", "--preset", "pi0", "--plan", "--precision", "bf16", "--json"]
    main(args)
    full = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    main([*args, "--freeze", "vision,language"])
    out = capsys.readouterr().out.strip().splitlines()
    frozen = json.loads(out[-1])
    assert "frozen: vision, language" in out[0]
    assert frozen["optimizer_gb"] < full["optimizer_gb"] / 2
    assert frozen["peak_gb"] < full["peak_gb"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--preset", "pi0", "--memory-gb", "0"], "error: --memory-gb must be a positive number"),
        (["--preset", "pi0", "--processes", "0"], "error: --processes must be in [1, 4096]"),
        (["--preset", "pi0", "--batch-size", "0"], "error: --batch-size must be at least 1"),
        ([], "error: --plan needs --preset NAME or --init CHECKPOINT"),
        (
            ["--init", "/nonexistent/ckpt"],
            "error: not a checkpoint: no /nonexistent/ckpt/config.json",
        ),
    ],
)
def test_bad_plan_options_give_one_line(capsys, extra: list, message: str) -> None:
    code = main(["train", "--plan", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(message)
    assert len(err.splitlines()) == 1


def test_plan_reads_an_init_checkpoint(capsys, tmp_path) -> None:
    from tests.pi0_core.conftest import make_policy

    init = make_policy().save(tmp_path / "micro")
    code = main(["train", "--init", str(init), "--plan", "--precision", "float32", "--json"])
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0
    assert 0 < result["peak_gb"] < 0.1


def test_training_still_needs_out(capsys, tmp_path) -> None:
    assert main(["train", "--preset", "tiny", "--data", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == "error: --out DIR is required (except with --plan)"


def test_plan_options_without_plan_are_refused(capsys, tmp_path) -> None:
    args = ["train", "--preset", "tiny", "--data", str(tmp_path), "--out", str(tmp_path)]
    assert main([*args, "--memory-gb", "24", "--json"]) == 2
    assert capsys.readouterr().err.strip() == "error: --memory-gb, --json: only with --plan"
