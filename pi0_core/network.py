"""Build the π0 network for a checkpoint and fill every tensor it uses from the file.

The network is built on the target device in the target dtype with initialisation skipped,
then each tensor is read from safetensors, cast and copied in one at a time: the full preset
loads in bfloat16 on a GPU without a float32 copy there, and in float32 on CPU.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import torch
from transformers import PI0Config, PI0ForConditionalGeneration

from pi0_core.header import TensorInfo
from pi0_core.layouts.keys import UNUSED_IN_NETWORK, KeyRules, match_keys

log = logging.getLogger(__name__)


@contextmanager
def _default_dtype(dtype: torch.dtype) -> Iterator[None]:
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def expected_shapes(config: PI0Config) -> dict[str, tuple[int, ...]]:
    """Network key -> shape of every tensor a checkpoint must provide (built on meta: no memory)."""
    with torch.device("meta"):
        model = PI0ForConditionalGeneration(config)
    return {
        key: tuple(value.shape)
        for key, value in model.state_dict().items()
        if key not in UNUSED_IN_NETWORK
    }


def empty_network(
    config: PI0Config, device: str | torch.device, dtype: torch.dtype
) -> PI0ForConditionalGeneration:
    """The network with uninitialised weights on `device`, its unused expert embedding dropped."""
    from transformers.initialization import no_init_weights

    config = copy.deepcopy(config)
    vlm = config.vlm_config
    for part in (config, vlm, vlm.text_config, vlm.vision_config, config.dit_config):
        part.dtype = dtype  # sub-models are built from their own config's dtype
    with no_init_weights(), _default_dtype(dtype), torch.device(device):
        model = PI0ForConditionalGeneration(config)
    drop_unused_embedding(model)
    return model


def drop_unused_embedding(model: PI0ForConditionalGeneration) -> None:
    """Replace the expert's token table (the expert reads embeddings, never ids) by one row."""
    table = model.model.dit.embed_tokens
    if table.num_embeddings > 1:
        model.model.dit.embed_tokens = torch.nn.Embedding(
            1, table.embedding_dim, device=table.weight.device, dtype=table.weight.dtype
        )
        torch.nn.init.zeros_(model.model.dit.embed_tokens.weight)


def load_network(
    config: PI0Config,
    rules: KeyRules,
    tensors: Mapping[str, TensorInfo],
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
) -> PI0ForConditionalGeneration:
    """The network of `config`, every used tensor from the files (else CheckpointMismatchError)."""
    from safetensors import safe_open

    sources = match_keys(rules, tensors, expected_shapes(config))
    model = empty_network(config, device, dtype)
    state = model.state_dict()
    by_file: dict[Path, list[str]] = {}
    for network_key, file_key in sources.items():
        by_file.setdefault(tensors[file_key].file, []).append(network_key)
    with torch.no_grad():
        for path, keys in by_file.items():
            with safe_open(str(path), framework="pt") as weights:
                for network_key in keys:
                    target = state[network_key]
                    target.copy_(weights.get_tensor(sources[network_key]).to(target.dtype))
    log.info("loaded %d tensors into the π0 network (%s, %s)", len(sources), device, dtype)
    return model.eval()


def saved_state(model: PI0ForConditionalGeneration) -> dict[str, torch.Tensor]:
    """The network's tensors without the unused expert embedding (what a checkpoint stores)."""
    return {k: v for k, v in model.state_dict().items() if k not in UNUSED_IN_NETWORK}
