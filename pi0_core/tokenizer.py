"""Prompt tokenizers: built-in bytes (no download), PaliGemma's SentencePiece model, or a
local transformers tokenizer folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

BYTE_TOKENIZER_FILE = "byte_tokenizer.json"
SENTENCEPIECE_FILES = ("tokenizer.model", "paligemma_tokenizer.model")  # PaliGemma's, by name


class PromptTokenizer(Protocol):
    """What the prompt transform needs from a tokenizer."""

    bos_id: int  # begin-of-sequence token, put after the image tokens
    pad_id: int  # padding up to the token budget (masked out)
    vocab_size: int  # size of the embedding table
    kind: str  # "bytes", "sentencepiece" or "local", saved in policy.json

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, without special tokens."""
        ...

    def save(self, directory: Path) -> None:
        """Write the tokenizer files into a checkpoint directory."""
        ...


class ByteTokenizer:
    """UTF-8 bytes as tokens: ids 0..2 are special, byte b is id b + 3."""

    kind = "bytes"
    pad_id = 0
    bos_id = 1
    eos_id = 2
    offset = 3
    vocab_size = 256 + 3

    def encode(self, text: str) -> list[int]:
        """One token per UTF-8 byte."""
        return [b + self.offset for b in text.encode("utf-8")]

    def decode(self, ids: list[int]) -> str:
        """The text of byte tokens; special tokens are dropped."""
        data = bytes(i - self.offset for i in ids if i >= self.offset)
        return data.decode("utf-8", errors="replace")

    def save(self, directory: Path) -> None:
        """Write a small JSON file that names the scheme, so the directory is self-describing."""
        spec = {
            "kind": self.kind,
            "pad_id": self.pad_id,
            "bos_id": self.bos_id,
            "eos_id": self.eos_id,
            "byte_offset": self.offset,
            "vocab_size": self.vocab_size,
        }
        (Path(directory) / BYTE_TOKENIZER_FILE).write_text(json.dumps(spec, indent=2) + "\n")


class LocalTokenizer:
    """A transformers tokenizer read from a local directory (the PaliGemma one for `pi0`)."""

    kind = "local"

    def __init__(self, directory: Path) -> None:
        from transformers import AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
        self.bos_id = int(self._tokenizer.bos_token_id)
        pad = self._tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else 0)
        self.vocab_size = len(self._tokenizer)

    def encode(self, text: str) -> list[int]:
        """Sentence-piece ids of `text`, without BOS or EOS."""
        return list(self._tokenizer.encode(text, add_special_tokens=False))

    def save(self, directory: Path) -> None:
        """Write the transformers tokenizer files."""
        self._tokenizer.save_pretrained(str(directory))


class SentencePieceTokenizer:
    """PaliGemma's SentencePiece model (`tokenizer.model`), as openpi's tokenizer reads it."""

    kind = "sentencepiece"
    pad_id = 0  # openpi pads with id 0 (PaliGemma's <pad>), masked out

    def __init__(self, path: Path) -> None:
        import sentencepiece

        self.path = Path(path)
        try:
            self._model = sentencepiece.SentencePieceProcessor(model_file=str(self.path))
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"corrupt SentencePiece model {self.path}: {exc}") from exc
        self.bos_id = int(self._model.bos_id())
        self.vocab_size = int(self._model.get_piece_size())

    def encode(self, text: str) -> list[int]:
        """SentencePiece ids of `text`, without BOS or EOS."""
        return list(self._model.encode(text))

    def save(self, directory: Path) -> None:
        """Copy the model file in as `tokenizer.model`."""
        target = Path(directory) / SENTENCEPIECE_FILES[0]
        if target.resolve() != self.path.resolve():
            target.write_bytes(self.path.read_bytes())


def open_tokenizer(source: object) -> PromptTokenizer:
    """A tokenizer from an object, "bytes", a SentencePiece file, or a tokenizer folder."""
    if hasattr(source, "encode") and hasattr(source, "bos_id"):
        return source  # already a PromptTokenizer
    if source == "bytes":
        return ByteTokenizer()
    path = Path(str(source))
    if path.is_file():
        return SentencePieceTokenizer(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no tokenizer at {path}")
    return load_tokenizer(path)


def load_tokenizer(directory: Path, kind: str | None = None) -> PromptTokenizer:
    """The tokenizer saved in `directory`: bytes if its JSON is there, a SentencePiece model if
    one is, else transformers' files."""
    directory = Path(directory)
    if kind == "bytes" or (kind is None and (directory / BYTE_TOKENIZER_FILE).is_file()):
        return ByteTokenizer()
    if kind in (None, "sentencepiece"):
        for name in SENTENCEPIECE_FILES:
            if (directory / name).is_file():
                return SentencePieceTokenizer(directory / name)
    try:
        return LocalTokenizer(directory)
    except Exception as exc:
        raise ValueError(f"no usable tokenizer files in {directory}: {exc}") from exc


def make_tokenizer(kind: str, directory: Path | None = None) -> PromptTokenizer:
    """A fresh tokenizer for a preset: "bytes" needs nothing, "local" reads `directory`."""
    if kind == "bytes":
        return ByteTokenizer()
    if directory is None:
        raise ValueError("this preset's tokenizer is read from its weights directory (--init DIR)")
    return LocalTokenizer(directory)
