"""Model presets: the published π0 size and a tiny one that trains on two CPU cores."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TransformerSize:
    """Width and depth of one transformer stack (SigLIP, Gemma or the action expert)."""

    hidden_size: int  # residual stream width
    num_layers: int  # number of transformer blocks
    num_heads: int  # query heads
    mlp_size: int  # hidden width of the feed-forward block
    num_kv_heads: int = 1  # key/value heads (multi-query attention, as in Gemma 2B)
    head_dim: int = 0  # per-head width; 0 means hidden_size // num_heads

    def __post_init__(self) -> None:
        if min(self.hidden_size, self.num_layers, self.num_heads, self.mlp_size) <= 0:
            raise ValueError(f"transformer sizes must be positive: {self}")
        if self.head_dim == 0 and self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size {self.hidden_size} not divisible by {self.num_heads}")

    @property
    def per_head(self) -> int:
        """The width of one attention head."""
        return self.head_dim or self.hidden_size // self.num_heads


@dataclass(frozen=True)
class ModelPreset:
    """Everything needed to build a π0 network and its input pipeline from scratch."""

    name: str  # registry key, saved in policy.json
    image_size: int  # square input side of the vision tower, pixels
    patch_size: int  # SigLIP patch side; tokens per camera = (image_size / patch_size) ** 2
    token_budget: int  # prompt tokens after the image tokens: BOS + text + newline + padding
    vision: TransformerSize  # SigLIP vision tower
    language: TransformerSize  # Gemma language model of PaliGemma
    expert: TransformerSize  # Gemma action expert sharing attention with the language model
    tokenizer: str  # "bytes" (built in, no download) or "local" (loaded from the weights dir)
    scratch_lr: float  # default peak learning rate when training from scratch
    finetune_lr: float  # default peak learning rate when starting from a checkpoint of it
    chunk_size: int = 50  # actions per chunk (the action horizon)
    max_dim: int = 32  # state and actions are zero-padded to this width
    num_inference_steps: int = 10  # Euler steps from t=1 (noise) to t=0 (data)

    def __post_init__(self) -> None:
        if self.image_size % self.patch_size:
            raise ValueError(f"image_size {self.image_size} not divisible by {self.patch_size}")
        if self.tokenizer not in ("bytes", "local"):
            raise ValueError(f"tokenizer must be 'bytes' or 'local', not {self.tokenizer!r}")
        if self.expert.num_layers != self.language.num_layers:
            raise ValueError("the action expert needs as many layers as the language model")
        if (self.expert.per_head, self.expert.num_kv_heads) != (
            self.language.per_head,
            self.language.num_kv_heads,
        ):
            raise ValueError("the action expert attends to the language model's keys and values")
        if self.token_budget < 4 or self.chunk_size < 1 or self.max_dim < 1:
            raise ValueError(f"token_budget, chunk_size and max_dim are too small in {self.name}")

    @property
    def tokens_per_image(self) -> int:
        """Vision tokens produced for one camera."""
        return (self.image_size // self.patch_size) ** 2


PRESETS: dict[str, ModelPreset] = {
    # PaliGemma 3B (SigLIP So400m/14 + Gemma 2B) and the Gemma 300M expert, as published.
    "pi0": ModelPreset(
        name="pi0",
        image_size=224,
        patch_size=14,
        token_budget=48,
        vision=TransformerSize(1152, 27, 16, 4304, num_kv_heads=16),
        language=TransformerSize(2048, 18, 8, 16384, num_kv_heads=1, head_dim=256),
        expert=TransformerSize(1024, 18, 8, 4096, num_kv_heads=1, head_dim=256),
        tokenizer="local",
        scratch_lr=1e-4,
        finetune_lr=2.5e-5,  # the published fine-tuning recipe
    ),
    # About 2.9M parameters, sized for training on two CPU cores: 96 px images cut in 16 px
    # patches (36 tokens per camera) and a byte-level prompt budget of 72 tokens (the longest
    # simulator prompt is 63 bytes). Language model and expert are 128 wide and 4 deep.
    "tiny": ModelPreset(
        name="tiny",
        image_size=96,
        patch_size=16,
        token_budget=72,
        vision=TransformerSize(128, 4, 4, 512, num_kv_heads=4),
        language=TransformerSize(128, 4, 4, 512, num_kv_heads=1, head_dim=32),
        expert=TransformerSize(128, 4, 4, 512, num_kv_heads=1, head_dim=32),
        tokenizer="bytes",
        scratch_lr=1e-3,
        finetune_lr=3e-6,  # measured (docs/finetune.md): 1e-5 cost insertion 8-16 points
    ),
}


def get_preset(name: str) -> ModelPreset:
    """The preset called `name`; an unknown name lists the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ValueError(f"unknown preset {name!r}; known presets: {known}") from None
