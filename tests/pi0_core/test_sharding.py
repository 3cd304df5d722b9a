"""Which modules FSDP gathers on their own (no process group needed)."""

from __future__ import annotations

import torch

from pi0_core.model import build_model
from pi0_core.train.sharding import _units
from tests.pi0_core.conftest import MICRO


def test_every_block_and_table_is_a_unit_but_the_last_language_block() -> None:
    network = build_model(MICRO, 259)
    units = {id(module) for module in _units(network)}
    language = network.model.vlm.language_model.layers
    assert id(language[-1]) not in units  # the expert reads only its keys and values
    assert all(id(block) in units for block in language[:-1])
    assert all(id(block) in units for block in network.model.dit.layers)
    assert all(id(block) in units for block in network.model.vlm.vision_tower.encoder.layers)
    tables = [m for m in network.modules() if isinstance(m, torch.nn.Embedding)]
    assert tables and all(id(table) in units for table in tables)
