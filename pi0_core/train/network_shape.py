"""The sizes of a π0 network that set its memory, read from a preset or a checkpoint's config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pi0_core.presets import ModelPreset, TransformerSize

PALIGEMMA_VOCAB = 257_152  # token table of the full preset (PaliGemma's tokenizer)
BYTE_VOCAB = 259  # token table of the built-in byte tokenizer


@dataclass(frozen=True)
class StackShape:
    """One transformer stack: width, depth, attention heads, feed-forward width, token table."""

    hidden: int  # residual stream width
    layers: int  # transformer blocks
    heads: int  # query heads
    kv_heads: int  # key/value heads
    head_dim: int  # width of one head
    mlp: int  # feed-forward hidden width
    vocab: int = 0  # rows of the token table (0: none, as in the vision tower)

    def __post_init__(self) -> None:
        if min(self.hidden, self.layers, self.heads, self.kv_heads, self.head_dim, self.mlp) < 1:
            raise ValueError(f"a transformer stack needs positive sizes, got {self}")
        if self.vocab < 0:
            raise ValueError(f"vocab must not be negative, got {self.vocab}")


@dataclass(frozen=True)
class NetworkShape:
    """π0: SigLIP vision tower, Gemma language model and the Gemma action expert."""

    vision: StackShape
    language: StackShape
    expert: StackShape
    image_size: int  # square input side of the vision tower
    patch_size: int  # SigLIP patch side
    token_budget: int  # prompt tokens after the image tokens
    chunk_size: int  # actions per chunk
    max_dim: int  # state and action width after padding

    def __post_init__(self) -> None:
        if self.patch_size < 1 or self.image_size < self.patch_size:
            raise ValueError(f"image size {self.image_size} and patch {self.patch_size} clash")
        if min(self.token_budget, self.chunk_size, self.max_dim) < 1:
            raise ValueError("token_budget, chunk_size and max_dim must be positive")

    @property
    def tokens_per_image(self) -> int:
        """Vision tokens of one camera."""
        return (self.image_size // self.patch_size) ** 2


def _stack(size: TransformerSize, vocab: int = 0) -> StackShape:
    return StackShape(
        size.hidden_size,
        size.num_layers,
        size.num_heads,
        size.num_kv_heads,
        size.per_head,
        size.mlp_size,
        vocab,
    )


def shape_of_preset(preset: ModelPreset) -> NetworkShape:
    """The shape of a network built from `preset`, with its tokenizer's table."""
    vocab = BYTE_VOCAB if preset.tokenizer == "bytes" else PALIGEMMA_VOCAB
    return NetworkShape(
        vision=_stack(preset.vision),
        language=_stack(preset.language, vocab),
        expert=_stack(preset.expert, vocab),
        image_size=preset.image_size,
        patch_size=preset.patch_size,
        token_budget=preset.token_budget,
        chunk_size=preset.chunk_size,
        max_dim=preset.max_dim,
    )


def _gemma(config: object) -> StackShape:
    heads = config.num_attention_heads
    return StackShape(
        config.hidden_size,
        config.num_hidden_layers,
        heads,
        config.num_key_value_heads,
        getattr(config, "head_dim", None) or config.hidden_size // heads,
        config.intermediate_size,
        config.vocab_size,
    )


def shape_of_config(config: object, token_budget: int) -> NetworkShape:
    """The shape described by a PI0Config (or anything with its attributes)."""
    vision = config.vlm_config.vision_config
    return NetworkShape(
        vision=StackShape(
            vision.hidden_size,
            vision.num_hidden_layers,
            vision.num_attention_heads,
            vision.num_attention_heads,
            vision.hidden_size // vision.num_attention_heads,
            vision.intermediate_size,
        ),
        language=_gemma(config.vlm_config.text_config),
        expert=_gemma(config.dit_config),
        image_size=vision.image_size,
        patch_size=vision.patch_size,
        token_budget=token_budget,
        chunk_size=config.chunk_size,
        max_dim=config.max_action_dim,
    )


def shape_of_checkpoint(directory: Path) -> tuple[NetworkShape, tuple[str, ...] | None]:
    """The shape of a checkpoint's network (no weights read) and its cameras, if it names them."""
    from transformers import PI0Config

    from pi0_core import checkpoint
    from pi0_core.presets import get_preset
    from pi0_core.spec import PolicySpec

    directory = Path(directory)
    if not (directory / checkpoint.CONFIG_FILE).is_file():
        raise FileNotFoundError(f"not a checkpoint: no {directory / checkpoint.CONFIG_FILE}")
    spec = PolicySpec.load(directory) if checkpoint.has_policy_file(directory) else None
    budget = spec.token_budget if spec else get_preset("pi0").token_budget
    shape = shape_of_config(PI0Config.from_pretrained(directory), budget)
    return shape, spec.cameras if spec else None
