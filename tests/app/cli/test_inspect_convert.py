"""`main.py inspect` from the safetensors header only, and `main.py convert`."""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import pytest

from app.cli.main import main
from pi0_core.layouts.keys import LANGUAGE_EMBEDDING, OPENPI, file_keys
from pi0_core.model import build_config
from pi0_core.network import expected_shapes
from pi0_core.presets import get_preset
from tests.pi0_core.conftest import make_policy

FULL_VOCAB = 257152


def _sparse_openpi(directory: Path) -> None:
    """A full-size openpi checkpoint whose data is a hole: only the header is real."""
    shapes = expected_shapes(build_config(get_preset("pi0"), FULL_VOCAB))
    names = file_keys(OPENPI, shapes)
    names[LANGUAGE_EMBEDDING] = "paligemma_with_expert.paligemma.lm_head.weight"
    tensors = {names[key]: shape for key, shape in shapes.items()}
    tensors["paligemma_with_expert.gemma_expert.lm_head.weight"] = (FULL_VOCAB, 1024)
    header, offset = {}, 0
    for name, shape in tensors.items():
        size = 2
        for dim in shape:
            size *= dim
        header[name] = {
            "dtype": "BF16",
            "shape": list(shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    blob = json.dumps(header).encode()
    directory.mkdir()
    with (directory / "model.safetensors").open("wb") as file:
        file.write(struct.pack("<Q", len(blob)) + blob)
        file.truncate(8 + len(blob) + offset)
    config = {"paligemma_variant": "gemma_2b", "action_expert_variant": "gemma_300m"}
    config |= {"action_dim": 32, "action_horizon": 50, "precision": "bfloat16"}
    (directory / "config.json").write_text(json.dumps(config))


def test_inspect_reads_a_full_size_header_without_the_data(tmp_path: Path, capsys) -> None:
    _sparse_openpi(tmp_path / "pi0_base")
    assert (tmp_path / "pi0_base" / "model.safetensors").stat().st_size > 6e9
    start = time.monotonic()
    assert main(["inspect", str(tmp_path / "pi0_base"), "--json"]) == 0
    elapsed = time.monotonic() - start
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info["layout"] == "openpi" and info["dtype"] == "bfloat16"
    assert info["language"]["hidden_size"] == 2048 and info["expert"]["layers"] == 18
    assert info["vision"]["hidden_size"] == 1152 and info["image_size"] == 224
    assert info["chunk_size"] == 50 and info["token_budget"] == 48
    assert 3.0e9 < info["parameters"] < 3.4e9  # the expert's lm_head is not counted
    assert info["stats"] is None and info["tokenizer"] is None and info["convention"] is None
    problems = " ".join(info["problems"])
    assert "--norm-stats" in problems and "--tokenizer" in problems and "--convention" in problems
    assert elapsed < 120  # a guard against reading the 7 GB, not a timing claim


def test_inspect_names_a_mismatch_as_a_problem(tmp_path: Path, capsys) -> None:
    folder = make_policy().save(tmp_path / "ours")
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "model.safetensors"))
    del tensors["state_proj.weight"]
    save_file(tensors, str(folder / "model.safetensors"))
    assert main(["inspect", str(folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info["layout"] == "pi0studio" and info["state_dim"] == 14
    assert "1 missing: embed_action_time.state_proj.weight" in info["problems"][0]


def test_inspect_of_a_folder_that_is_no_checkpoint_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(struct.pack("<Q", 2) + b"{}")
    assert main(["inspect", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().startswith("error: ")


def test_convert_to_lerobot_and_back(tmp_path: Path, capsys) -> None:
    folder = make_policy().save(tmp_path / "ours")
    with pytest.raises(SystemExit):
        main(["convert", str(folder), "--out", str(tmp_path / "x"), "--to", "openpi"])
    code = main(["convert", str(folder), "--out", str(tmp_path / "lerobot"), "--to", "lerobot"])
    assert code == 2  # the micro network is no LeRobot variant
    assert "LeRobot's pi0 has the full π0 network only" in capsys.readouterr().err
    assert main(["convert", str(folder), "--out", str(tmp_path / "copy")]) == 0
    assert (tmp_path / "copy" / "policy.json").is_file()
    assert main(["convert", str(folder), "--out", str(tmp_path / "copy")]) == 2
    assert "is not empty" in capsys.readouterr().err
