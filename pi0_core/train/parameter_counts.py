"""Parameter counts of a π0 network from its shapes (pure math), as built by transformers."""

from __future__ import annotations

from dataclasses import dataclass

from pi0_core.train.network_shape import NetworkShape, StackShape


@dataclass(frozen=True)
class ParameterCounts:
    """Parameters of the whole network, of its trainable part, and of its largest pieces."""

    total: int  # every weight, the expert's unused token table included
    trainable: int  # those the run updates
    matmul: int  # weights of the linear layers (autocast keeps a bf16 copy of each for backward)
    largest_unit: int  # the largest piece FSDP gathers at once (the language token table)
    largest_layer: int  # the largest transformer block (gathered ahead, while the last one runs)
    trainable_unit: int  # trainable weights of the largest such piece (their gradients)
    trainable_layer: int  # trainable weights of the largest block


def _attention(stack: StackShape) -> int:
    """Weights of q, k, v and o projections of one Gemma block."""
    query = stack.heads * stack.head_dim
    return 2 * stack.hidden * query + 2 * stack.hidden * stack.kv_heads * stack.head_dim


def gemma_layer(stack: StackShape) -> int:
    """Parameters of one Gemma block: attention, gated MLP, two RMS norms."""
    return _attention(stack) + 3 * stack.hidden * stack.mlp + 2 * stack.hidden


def siglip_layer(stack: StackShape) -> int:
    """Parameters of one SigLIP block: attention and MLP with biases, two layer norms."""
    hidden, mlp = stack.hidden, stack.mlp
    return 4 * (hidden * hidden + hidden) + 2 * hidden * mlp + mlp + hidden + 4 * hidden


def lora_layer(stack: StackShape, rank: int) -> int:
    """LoRA adapters on the seven projections of one Gemma block: rank * (in + out) each."""
    query, kv = stack.heads * stack.head_dim, stack.kv_heads * stack.head_dim
    sides = 2 * (stack.hidden + query) + 2 * (stack.hidden + kv) + 3 * (stack.hidden + stack.mlp)
    return rank * sides


def _vision_parts(shape: NetworkShape) -> int:
    """Vision tower, its projector into the language model."""
    vision, width = shape.vision, shape.language.hidden
    embeddings = 3 * shape.patch_size**2 * vision.hidden + vision.hidden
    embeddings += shape.tokens_per_image * vision.hidden
    tower = embeddings + vision.layers * siglip_layer(vision) + 2 * vision.hidden
    return tower + vision.hidden * width + width


def _action_heads(shape: NetworkShape) -> int:
    """State and action projections, the time MLP and the action output."""
    width, dim = shape.expert.hidden, shape.max_dim
    return 2 * (dim * width + width) + 3 * width * width + 2 * width + width * dim + dim


def part_counts(shape: NetworkShape, lora_rank: int = 0) -> dict[str, int]:
    """Trainable weights of each `--freeze` part (pi0_core.train.freeze.PARTS); with
    `lora_rank`, the language model's and expert's adapters stand for their frozen bases."""
    language, expert = shape.language, shape.expert
    if lora_rank:
        language_part = language.layers * lora_layer(language, lora_rank)
        expert_part = expert.layers * lora_layer(expert, lora_rank)
    else:
        language_part = language.layers * gemma_layer(language) + language.vocab * language.hidden
        language_part += language.hidden  # the final norm
        expert_part = expert.layers * gemma_layer(expert) + expert.hidden  # no token table
    return {
        "vision": _vision_parts(shape),
        "language": language_part,
        "expert": expert_part + _action_heads(shape),
    }


def parameter_counts(
    shape: NetworkShape, lora_rank: int = 0, frozen: tuple[str, ...] = ()
) -> ParameterCounts:
    """Count the parameters from the shapes; `lora_rank` 0 means a full fine-tune; `frozen`:
    the parts `--freeze` keeps as the checkpoint has them."""
    language, expert = shape.language, shape.expert
    language_layers = language.layers * gemma_layer(language)
    expert_layers = expert.layers * gemma_layer(expert)
    stacks = language_layers + language.vocab * language.hidden + language.hidden
    stacks += expert_layers + expert.vocab * expert.hidden + expert.hidden
    outside = _vision_parts(shape) + _action_heads(shape)
    total = stacks + outside
    if lora_rank:
        total += language.layers * lora_layer(language, lora_rank)
        total += expert.layers * lora_layer(expert, lora_rank)
    parts = part_counts(shape, lora_rank)
    trainable = sum(n for part, n in parts.items() if part not in frozen)
    matmul = language_layers + expert_layers + outside
    layers = (gemma_layer(language), gemma_layer(expert), siglip_layer(shape.vision))
    largest_unit = max(language.vocab * language.hidden, *layers)
    # The largest trainable block, and the largest trainable piece FSDP gathers (with LoRA the
    # token tables and block bases are frozen: the vision blocks and the adapters train).
    if lora_rank:
        blocks = {
            "vision": siglip_layer(shape.vision),
            "language": lora_layer(language, lora_rank),
            "expert": lora_layer(expert, lora_rank),
        }
    else:
        blocks = {"vision": layers[2], "language": layers[0], "expert": layers[1]}
    trainable_layer = max(n for part, n in blocks.items() if part not in frozen)
    trainable_unit = trainable_layer
    if not lora_rank and "language" not in frozen:
        trainable_unit = max(trainable_layer, language.vocab * language.hidden)
    return ParameterCounts(
        total=total,
        trainable=trainable,
        matmul=matmul,
        largest_unit=largest_unit,
        largest_layer=max(layers),
        trainable_unit=trainable_unit,
        trainable_layer=trainable_layer,
    )
