"""PaliGemma-style SentencePiece tokenizer: found in a folder, prompt tokens as π0's reference."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
import sentencepiece
import torch

from pi0_core.layouts.folder import find_tokenizer
from pi0_core.tokenizer import SentencePieceTokenizer, open_tokenizer
from pi0_core.transforms import TokenizePrompt

TEXT = ["pick up the red cube", "fold the towel", "open the tupperware", "uncap the pen"] * 50


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    """A small SentencePiece model trained here, with "\\n" as its own piece like PaliGemma's."""
    path = tmp_path_factory.mktemp("spm") / "tokenizer.model"
    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(TEXT),
        model_writer=buffer,
        vocab_size=30,
        model_type="bpe",
        add_dummy_prefix=False,  # as Gemma's tokenizer
        user_defined_symbols=["\n"],
        pad_id=0,
        unk_id=1,
        bos_id=2,
        eos_id=3,
        minloglevel=2,
    )
    path.write_bytes(buffer.getvalue())
    return path


def _tokens(tokenizer, prompt: str, budget: int = 16) -> list[int]:
    tokenize = TokenizePrompt(tokenizer, budget, tokens_per_image=1, image_token_id=99)
    out = tokenize({"prompt": prompt, "image_mask": torch.tensor([True])})
    return out["input_ids"][1:].tolist()  # after the one image placeholder


def test_prompt_tokens_are_the_reference_ones(model_file: Path) -> None:
    reference = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
    tokenizer = open_tokenizer(model_file)
    # openpi: encode(cleaned text, add_bos=True) + encode("\n"), padded with 0 to the budget
    expected = reference.encode("pick up the red cube", add_bos=True) + reference.encode("\n")
    assert reference.encode("\n") == [reference.piece_to_id("\n")]
    tokens = _tokens(tokenizer, " pick_up the red cube", budget=32)
    assert tokens == expected + [0] * (32 - len(expected))


def test_long_prompt_is_truncated_with_a_warning(model_file: Path, caplog) -> None:
    tokenizer = SentencePieceTokenizer(model_file)
    with caplog.at_level(logging.WARNING):
        tokens = _tokens(tokenizer, "open the tupperware " * 10, budget=8)
    assert len(tokens) == 8 and tokens[0] == tokenizer.bos_id
    assert any("over the budget" in record.getMessage() for record in caplog.records)


def test_model_file_is_found_in_a_checkpoint_folder(model_file: Path, tmp_path: Path) -> None:
    SentencePieceTokenizer(model_file).save(tmp_path)
    found = find_tokenizer(tmp_path)
    assert found == str(tmp_path / "tokenizer.model")
    assert open_tokenizer(found).vocab_size == 30


def test_corrupt_model_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "tokenizer.model"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="corrupt SentencePiece model"):
        open_tokenizer(bad)
