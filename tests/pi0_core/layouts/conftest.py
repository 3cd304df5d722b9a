"""The micro network registered as an openpi/LeRobot variant, so foreign layouts can name it."""

from __future__ import annotations

import pytest

from pi0_core.layouts import variants
from pi0_core.presets import PRESETS
from tests.pi0_core.conftest import MICRO
from tests.pi0_core.layouts.writers import VARIANT


@pytest.fixture(autouse=True)
def micro_variant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PRESETS, MICRO.name, MICRO)
    monkeypatch.setitem(variants.VARIANTS, (VARIANT, VARIANT), MICRO.name)
