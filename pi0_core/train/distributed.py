"""Several processes under torchrun: DDP over NCCL on GPUs, gloo on CPUs."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Processes:
    """Where this process stands among the training processes."""

    rank: int  # global index of this process
    world: int  # number of processes
    local_rank: int  # index on this machine (picks the GPU)
    device: torch.device

    @property
    def is_main(self) -> bool:
        """The process that writes logs, metrics and checkpoints."""
        return self.rank == 0


def start() -> Processes:
    """Join the process group torchrun set up, or run alone."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Processes(rank, world, local_rank, device)


def stop() -> None:
    """Leave the process group, if any."""
    if dist.is_initialized():
        dist.destroy_process_group()


def mean_over_processes(value: float, processes: Processes) -> float:
    """The average of a scalar over all processes (for logging)."""
    if processes.world == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=processes.device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / processes.world


def barrier(processes: Processes) -> None:
    """Wait for every process (e.g. while the main one writes a checkpoint)."""
    if processes.world > 1:
        dist.barrier()


def wrap(model: torch.nn.Module, processes: Processes) -> torch.nn.Module:
    """DistributedDataParallel when there are several processes, else the model itself.

    Some weights get no gradient (the expert's token table, the last language layer's MLP
    whose output only feeds the discarded hidden state), hence find_unused_parameters.
    """
    if processes.world == 1:
        return model
    ids = [processes.local_rank] if processes.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(
        model, device_ids=ids, find_unused_parameters=True
    )
