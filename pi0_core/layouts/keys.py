"""How each layout names the network's tensors on disk, and the strict match to the network.

Every tensor the network uses must come from the file with the network's shape; the only
tensors that may be absent or ignored are the known-unused ones (the expert's token embedding,
which the expert never reads, and openpi's expert `lm_head`, which is never trained).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pi0_core.header import TensorInfo

# The network's own names of tensors that no checkpoint has to provide (and that are not kept).
UNUSED_IN_NETWORK = ("model.dit.embed_tokens.weight",)

# Action/state heads: openpi's module names -> transformers' PI0 names.
HEADS = (
    ("state_proj.", "embed_action_time.state_proj."),
    ("action_in_proj.", "embed_action_time.action_in_proj."),
    ("action_time_mlp_in.", "embed_action_time.action_time_mlp_in."),
    ("action_time_mlp_out.", "embed_action_time.action_time_mlp_out."),
    ("action_out_proj.", "action_out_proj."),
)
EXPERT_LM_HEAD = "paligemma_with_expert.gemma_expert.lm_head.weight"
LANGUAGE_EMBEDDING = "model.vlm.language_model.embed_tokens.weight"
SHOWN = 3  # names quoted per kind of problem in the one-line error


class CheckpointMismatchError(ValueError):
    """The file's tensors are not the network's: missing, unexpected or mis-shaped ones."""


@dataclass(frozen=True)
class KeyRules:
    """File key -> network key rules of one layout (first matching prefix wins)."""

    prefixes: tuple[tuple[str, str], ...]  # (file prefix, network prefix)
    tied: tuple[
        tuple[str, str], ...
    ] = ()  # (file key, network key) used when nothing else gives it
    unused: tuple[str, ...] = ()  # file keys known to be unused: ignored, never loaded
    strip: str = ""  # prefix every file key carries (LeRobot's "model.")
    extra: tuple[str, ...] = ()  # file key prefixes that are not network weights (stats buffers)

    def network_key(self, file_key: str) -> str | None:
        """The network's name for a file key, or None when no rule applies."""
        key = file_key.removeprefix(self.strip) if self.strip else file_key
        if self.strip and key == file_key:
            return None
        for file_prefix, network_prefix in self.prefixes:
            if key.startswith(file_prefix):
                return network_prefix + key[len(file_prefix) :]
        return None


OPENPI = KeyRules(
    prefixes=(
        (
            "paligemma_with_expert.paligemma.model.vision_tower.vision_model.",
            "model.vlm.vision_tower.",
        ),
        (
            "paligemma_with_expert.paligemma.model.multi_modal_projector.",
            "model.vlm.multi_modal_projector.",
        ),
        ("paligemma_with_expert.paligemma.model.language_model.", "model.vlm.language_model."),
        ("paligemma_with_expert.gemma_expert.model.", "model.dit."),
        *HEADS,
    ),
    tied=(("paligemma_with_expert.paligemma.lm_head.weight", LANGUAGE_EMBEDDING),),
    unused=(EXPERT_LM_HEAD,),
)

LEROBOT = KeyRules(
    prefixes=OPENPI.prefixes,
    tied=tuple(("model." + file, network) for file, network in OPENPI.tied),
    unused=("model." + EXPERT_LM_HEAD,),
    strip="model.",
)

# LeRobot before its openpi port: transformers 4.4x PaliGemma names, stats buffers in the file.
LEROBOT_LEGACY = KeyRules(
    prefixes=(
        (
            "paligemma_with_expert.paligemma.vision_tower.vision_model.",
            "model.vlm.vision_tower.",
        ),
        (
            "paligemma_with_expert.paligemma.multi_modal_projector.",
            "model.vlm.multi_modal_projector.",
        ),
        ("paligemma_with_expert.paligemma.language_model.model.", "model.vlm.language_model."),
        ("paligemma_with_expert.gemma_expert.model.", "model.dit."),
        *HEADS,
    ),
    tied=(
        (
            "model.paligemma_with_expert.paligemma.language_model.lm_head.weight",
            LANGUAGE_EMBEDDING,
        ),
    ),
    unused=("model." + EXPERT_LM_HEAD,),
    strip="model.",
    extra=("normalize_inputs.", "normalize_targets.", "unnormalize_outputs."),
)

# What transformers' PI0 save_pretrained writes (its reverse key mapping), or its own names.
TRANSFORMERS = KeyRules(
    prefixes=(
        ("paligemma_with_expert.paligemma.model.vision_tower.", "model.vlm.vision_tower."),
        (
            "paligemma_with_expert.paligemma.model.multi_modal_projector.",
            "model.vlm.multi_modal_projector.",
        ),
        (
            "paligemma_with_expert.paligemma.model.language_model.model.",
            "model.vlm.language_model.",
        ),
        ("paligemma_with_expert.gemma_expert.model.", "model.dit."),
        *HEADS,
        ("model.", "model."),
        ("embed_action_time.", "embed_action_time."),
    ),
    unused=(EXPERT_LM_HEAD, *UNUSED_IN_NETWORK),
)


def file_keys(rules: KeyRules, network_keys: Iterable[str]) -> dict[str, str]:
    """Network key -> the key a layout's file stores it under (the inverse of `network_key`)."""
    names = {}
    for key in network_keys:
        for file_prefix, network_prefix in rules.prefixes:
            if key.startswith(network_prefix):
                names[key] = rules.strip + file_prefix + key[len(network_prefix) :]
                break
        else:
            raise ValueError(f"no file name for {key} in this layout")
    return names


def match_keys(
    rules: KeyRules, found: Mapping[str, TensorInfo], expected: Mapping[str, tuple[int, ...]]
) -> dict[str, str]:
    """Network key -> file key of every tensor the network uses, else CheckpointMismatchError."""
    sources: dict[str, str] = {}
    unexpected: list[str] = []
    tied = dict(rules.tied)
    for file_key in found:
        if file_key in rules.unused or file_key in tied:
            continue
        if any(file_key.startswith(prefix) for prefix in rules.extra):
            continue
        network_key = rules.network_key(file_key)
        if network_key in UNUSED_IN_NETWORK:
            continue
        if network_key is None or network_key not in expected or network_key in sources:
            unexpected.append(file_key)
            continue
        sources[network_key] = file_key
    for file_key, network_key in tied.items():
        if file_key in found and network_key not in sources:
            sources[network_key] = file_key
    missing = [key for key in expected if key not in sources]
    misshaped = [
        f"{sources[key]} {list(found[sources[key]].shape)} (network {list(shape)})"
        for key, shape in expected.items()
        if key in sources and tuple(found[sources[key]].shape) != tuple(shape)
    ]
    if missing or unexpected or misshaped:
        raise CheckpointMismatchError(mismatch_message(missing, unexpected, misshaped))
    return sources


def mismatch_message(missing: list[str], unexpected: list[str], misshaped: list[str]) -> str:
    """One line: what is wrong, the first few names of each kind, and how many in all."""
    parts = [
        _part(what, names)
        for what, names in (
            ("missing", missing),
            ("unexpected", unexpected),
            ("wrong shape", misshaped),
        )
        if names
    ]
    total = len(missing) + len(unexpected) + len(misshaped)
    plural = "" if total == 1 else "s"
    return f"the weights do not match the π0 network ({total} problem{plural}): " + "; ".join(parts)


def _part(what: str, names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:SHOWN])
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return f"{len(names)} {what}: {shown}{more}"
