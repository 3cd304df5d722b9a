"""FSDP2 under torchrun: weights, gradients, AdamW moments and EMA sharded over the processes.

Each transformer block and each token table is its own unit (gathered for its forward and
backward only), the rest of the network one root unit. Checkpoints and resume state are
gathered onto the main process in the layout an unsharded run writes, so either can resume
the other and `Policy.load` reads the result on one device.
"""

from __future__ import annotations

import copy
import logging

import torch
from torch.distributed.tensor import DTensor, distribute_tensor

from pi0_core.train.distributed import Processes
from pi0_core.train.ema import EMA
from pi0_core.train.resume import ResumePoint

log = logging.getLogger(__name__)

BLOCK_SUFFIXES = ("DecoderLayer", "EncoderLayer")  # Gemma and SigLIP blocks
LANGUAGE_BLOCK = "language_model.layers."


def check_processes(world: int) -> None:
    """FSDP needs a process group of two or more."""
    if world < 2:
        raise ValueError(
            "--fsdp shards over several processes: start it with "
            "torchrun --nproc-per-node N main.py train ... --fsdp (N at least 2)"
        )


def _units(model: torch.nn.Module) -> list[torch.nn.Module]:
    """Blocks and token tables, but the last language block.

    The expert reads only that block's keys and values (its output feeds the discarded hidden
    state), so its backward starts without FSDP's pre-backward hook: it stays in the root unit,
    which holds its weights gathered from forward to the end of backward.
    """
    blocks = [
        (name, module)
        for name, module in model.named_modules()
        if type(module).__name__.endswith(BLOCK_SUFFIXES) or isinstance(module, torch.nn.Embedding)
    ]
    language = [name for name, _ in blocks if LANGUAGE_BLOCK in name]
    last = max(language, key=lambda name: int(name.rsplit(".", 1)[1]), default=None)
    return [module for name, module in blocks if name != last]


def _full(tensor: torch.Tensor) -> torch.Tensor:
    """The whole tensor on CPU (a collective for a sharded one: every process must call it)."""
    value = tensor.full_tensor() if isinstance(tensor, DTensor) else tensor
    return value.detach().cpu()


def _shard_like(value: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A whole tensor cut as `like` is (each process already holds the same whole tensor)."""
    if not isinstance(like, DTensor):
        return value.to(like.device, like.dtype)
    value = value.to(like.device, like.dtype)
    return distribute_tensor(value, like.device_mesh, like.placements, src_data_rank=None)


class ShardedNetwork:
    """A network sharded in place with `fully_shard`, and a weightless copy to gather into."""

    def __init__(self, model: torch.nn.Module, processes: Processes) -> None:
        from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

        check_processes(processes.world)
        self.model, self.processes = model, processes
        # The same modules without weights (meta tensors), taken before sharding changes them.
        memo = {
            id(p): torch.nn.Parameter(p.to("meta"), p.requires_grad) for p in model.parameters()
        }
        self.skeleton = copy.deepcopy(model, memo)
        policy = MixedPrecisionPolicy()  # float32 on CPU, as an unsharded run
        if processes.device.type == "cuda":
            policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
        units = _units(model)
        for unit in units:
            fully_shard(unit, mp_policy=policy)
        fully_shard(model, mp_policy=policy)
        log.info(
            "FSDP: %d units and the root sharded over %d processes", len(units), processes.world
        )

    def export(self, ema: EMA) -> torch.nn.Module | None:
        """On the main process, a plain CPU copy of the network holding the EMA weights (other
        processes: None). Every process must call it."""
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        options = StateDictOptions(full_state_dict=True, cpu_offload=True)
        state = get_model_state_dict(self.model, options=options)
        shadow = {name: _full(value) for name, value in ema.state_dict().items()}
        if not self.processes.is_main:
            return None
        network = copy.deepcopy(self.skeleton)
        network.load_state_dict(state, strict=True, assign=True)
        with torch.no_grad():
            for name, param in network.named_parameters():
                if name in shadow:
                    param.copy_(shadow[name])
        return network

    def resume_state(
        self, ema: EMA, optimizer: torch.optim.Optimizer
    ) -> tuple[dict, dict, dict] | None:
        """(trainable weights, EMA, optimizer state dict) whole, as an unsharded run saves them,
        on the main process (others: None). Every process must call it."""
        trainable = {name: _full(p) for name, p in self.model.named_parameters() if p.requires_grad}
        shadow = {name: _full(value) for name, value in ema.state_dict().items()}
        state = optimizer.state_dict()  # keyed by parameter index, values sharded
        slots = {
            index: {key: _full(value) for key, value in values.items()}
            for index, values in state["state"].items()
        }
        if not self.processes.is_main:
            return None
        return trainable, shadow, {"state": slots, "param_groups": state["param_groups"]}

    def restore(self, ema: EMA, optimizer: torch.optim.Optimizer, point: ResumePoint) -> None:
        """Load a saved run's whole tensors into the shards of this process."""
        params = dict(self.model.named_parameters())
        missing = [n for n, p in params.items() if p.requires_grad and n not in point.trainable]
        if missing:
            raise ValueError(f"resume state does not match the model: no weight {missing[0]}")
        with torch.no_grad():
            for name, value in point.trainable.items():
                params[name].copy_(_shard_like(value, params[name]))
        shadow = ema.state_dict()
        ema.load_state_dict({n: _shard_like(point.ema[n], shadow[n]) for n in shadow})
        order = [p for group in optimizer.param_groups for p in group["params"]]
        slots = {
            index: {
                key: _shard_like(value, order[index]) if value.ndim else value
                for key, value in values.items()
            }
            for index, values in point.optimizer["state"].items()
        }
        optimizer.load_state_dict({"state": slots, "param_groups": point.optimizer["param_groups"]})
