"""The learned colour map in front of the vision tower (`train --teach-colour-map`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from pi0_core import checkpoint
from pi0_core.colour_map import (
    COLOUR_MAP_FILE,
    ColourMap,
    colour_map_loss,
    load_colour_map,
    save_colour_map,
)
from pi0_core.convert import convert
from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.freeze import part_of
from pi0_core.train.loop import TEACH_COLOUR_MAP, resumed_config, train
from pi0_core.train.metrics import read_metrics
from pi0_core.train.teach_as import repaint
from tests.pi0_core.conftest import make_policy, train_config
from tests.pi0_core.test_teach_vision import YELLOW_AS_BLUE, yellow_data

YELLOW, BLUE = YELLOW_AS_BLUE.new_rgb, YELLOW_AS_BLUE.known_rgb


def _random_map(seed: int = 0) -> ColourMap:
    colour_map = ColourMap()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in colour_map.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
    return colour_map.eval()


def _normalised(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H, W) in [-1, 1], as the tower's inputs are."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def _scenes(rng: np.random.Generator, count: int) -> np.ndarray:
    """Grey tables, each with a lit yellow and a red square at random places."""
    images = np.full((count, 24, 24, 3), 110, np.uint8)
    for image in images:
        for colour in (YELLOW, (0.8, 0.1, 0.1)):
            top, left = rng.integers(0, 20, size=2)
            light = rng.uniform(0.6, 1.0)
            image[top : top + 4, left : left + 4] = np.round(255 * light * np.asarray(colour))
    return images


def test_a_new_map_is_the_identity_and_any_map_looks_at_one_pixel_at_a_time() -> None:
    pixels = torch.rand(2, 3, 3, 8, 8) * 2 - 1  # (batch, cameras, channels, H, W)
    assert torch.equal(ColourMap()(pixels), pixels)
    colour_map = _random_map()
    moved = colour_map(torch.roll(pixels, shifts=(3, 2), dims=(-2, -1)))
    assert torch.allclose(moved, torch.roll(colour_map(pixels), shifts=(3, 2), dims=(-2, -1)))
    assert not torch.allclose(colour_map(pixels), pixels)


def test_fitted_to_a_repaint_it_repaints_new_layouts_and_leaves_other_colours() -> None:
    rng = np.random.default_rng(0)
    shown = _scenes(rng, 32)
    target = np.stack([repaint(image, YELLOW, BLUE) for image in shown])
    torch.manual_seed(0)
    colour_map = ColourMap()
    optimizer = torch.optim.Adam(colour_map.parameters(), lr=3e-3)
    pixels, wanted = _normalised(shown), _normalised(target)
    first = colour_map_loss(colour_map, pixels, wanted).item()
    for _ in range(400):
        loss = colour_map_loss(colour_map, pixels, wanted)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    new = _scenes(np.random.default_rng(1), 8)  # layouts it never saw
    repainted = np.stack([repaint(image, YELLOW, BLUE) for image in new])
    with torch.no_grad():
        mapped = colour_map(_normalised(new))
        gap = colour_map_loss(colour_map, _normalised(new), _normalised(repainted)).item()
    assert gap < first / 20
    yellow = np.any(repainted != new, axis=-1)  # the pixels the repaint turned blue
    grey = np.all(new == 110, axis=-1)
    assert yellow.sum() > 8 * 8  # most of each yellow square
    channels = mapped.permute(0, 2, 3, 1).numpy()
    assert np.abs(channels[grey] - (110 / 127.5 - 1)).max() < 0.05  # the table stays
    assert (channels[yellow][:, 2] > channels[yellow][:, 0]).all()  # blue now, not red-green


def test_a_saved_map_loads_the_same_and_a_missing_or_corrupt_one_is_refused(tmp_path) -> None:
    colour_map = _random_map()
    save_colour_map(colour_map, tmp_path)
    loaded = load_colour_map(tmp_path)
    pixels = torch.rand(1, 3, 4, 4)
    assert torch.allclose(loaded(pixels), colour_map(pixels).detach(), atol=1e-6)
    assert not any(p.requires_grad for p in loaded.parameters())
    with pytest.raises(FileNotFoundError, match="policy.json says"):
        load_colour_map(tmp_path / "elsewhere")
    (tmp_path / COLOUR_MAP_FILE).write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="corrupt colour map"):
        load_colour_map(tmp_path)


def _mapped_policy() -> Policy:
    plain = make_policy()
    spec = replace(plain.spec, colour_map=COLOUR_MAP_FILE)
    return Policy(plain.model, plain.tokenizer, spec, colour_map=_random_map())


def test_a_policy_sees_through_its_map_and_loads_it_strictly(tmp_path) -> None:
    plain, mapped = make_policy(), _mapped_policy()
    obs = plain.blank_observation()
    obs["images"] = {name: np.full_like(image, 200) for name, image in obs["images"].items()}
    seen = mapped.prepare([obs])["pixel_values"]
    assert not torch.allclose(seen, plain.prepare([obs])["pixel_values"])
    folder = mapped.save(tmp_path / "mapped")
    loaded = Policy.load(folder, device="cpu")
    assert loaded.spec.colour_map == COLOUR_MAP_FILE
    assert torch.allclose(loaded.prepare([obs])["pixel_values"], seen)
    (folder / COLOUR_MAP_FILE).unlink()
    with pytest.raises(FileNotFoundError, match=COLOUR_MAP_FILE):
        Policy.load(folder, device="cpu")
    with pytest.raises(ValueError, match="names a colour map and none was loaded"):
        Policy(plain.model, plain.tokenizer, mapped.spec)
    with pytest.raises(ValueError, match="given for a policy.json that names none"):
        Policy(plain.model, plain.tokenizer, plain.spec, colour_map=_random_map())
    with pytest.raises(ValueError, match="not saved with it"):  # never a dangling name on disk
        checkpoint.save_checkpoint(tmp_path / "dangling", plain.model, plain.tokenizer, mapped.spec)
    assert not (tmp_path / "dangling" / "policy.json").exists()
    with pytest.raises(ValueError, match="colour_map must be"):
        replace(plain.spec, colour_map="../elsewhere.safetensors")


def test_a_mapped_policy_is_not_written_in_a_layout_that_cannot_carry_the_map(tmp_path) -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        convert(_mapped_policy(), tmp_path / "lerobot", to="lerobot")
    assert not (tmp_path / "lerobot").exists()
    convert(_mapped_policy(), tmp_path / "ours")  # our own layout keeps it
    assert (tmp_path / "ours" / COLOUR_MAP_FILE).is_file()


def _weights(policy: Policy, part: str) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in policy.model.named_parameters() if part_of(n) == part}


def test_a_run_fits_the_map_first_keeps_it_frozen_and_saves_it_everywhere(
    tmp_path, micro_init
) -> None:
    data = yellow_data(tmp_path)
    out = tmp_path / "out"
    config = train_config(
        data, out, micro_init, steps=2, teach_as=YELLOW_AS_BLUE.text, teach_colour_map=4,
        freeze=("vision",), log_every=2, save_every=1,
    )  # fmt: skip
    train(config, stop_at=1)
    train(resumed_config(out), resume_run=True)  # the map is read back, not fitted again
    records = [r for r in read_metrics(out) if TEACH_COLOUR_MAP in r]
    assert [r["teach_colour_map_step"] for r in records] == [2, 4]
    assert records[0][TEACH_COLOUR_MAP] > 0  # the yellow bar is repainted: something to fit
    first = Policy.load(out / "checkpoints" / "step_000001", device="cpu")
    final = Policy.load(out / "final", device="cpu")
    pixels = torch.rand(1, 3, 3, 4, 4) * 2 - 1
    assert not torch.allclose(first.colour_map(pixels), pixels)  # fitted, not the identity
    assert torch.equal(first.colour_map(pixels), final.colour_map(pixels))  # frozen, resumed
    start = Policy.load(micro_init, device="cpu")
    vision = _weights(start, "vision")
    assert all(torch.equal(vision[n], p) for n, p in _weights(final, "vision").items())
    mapped = Policy.load(out / "checkpoints" / "step_000000", device="cpu")  # the map alone
    assert torch.equal(mapped.colour_map(pixels), final.colour_map(pixels))
    language = _weights(start, "language")
    assert all(torch.equal(language[n], p) for n, p in _weights(mapped, "language").items())
    assert "`--teach-colour-map`" in final.model_card


def test_a_fine_tune_from_a_mapped_checkpoint_keeps_its_map_and_no_second_is_taught(
    tmp_path,
) -> None:
    init = _mapped_policy().save(tmp_path / "init")
    data = yellow_data(tmp_path)
    out = tmp_path / "out"
    train(train_config(data, out, init, steps=1))
    pixels = torch.rand(1, 3, 3, 4, 4) * 2 - 1
    result = Policy.load(out / "final", device="cpu")
    assert torch.equal(result.colour_map(pixels), load_colour_map(init)(pixels))
    config = train_config(
        data, tmp_path / "again", init, steps=1, teach_as=YELLOW_AS_BLUE.text, teach_colour_map=2
    )
    with pytest.raises(ValueError, match="has a colour map already"):
        train(config)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"teach_colour_map": 5}, "--teach-colour-map needs --teach-as"),
        ({"teach_colour_map": -1, "teach_as": YELLOW_AS_BLUE.text}, "--teach-colour-map must be"),
        (
            {"teach_colour_map": 10**6, "teach_as": YELLOW_AS_BLUE.text},
            "--teach-colour-map must be",
        ),
    ],
)
def test_out_of_range_colour_map_options_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", init="ckpt", **overrides)


def test_inspect_names_the_map_and_a_missing_one_is_a_problem(tmp_path) -> None:
    from pi0_core.describe import describe

    folder = _mapped_policy().save(tmp_path / "mapped")
    info = describe(folder)
    assert info["colour_map"] == COLOUR_MAP_FILE and not info["problems"]
    (folder / COLOUR_MAP_FILE).unlink()
    assert any("colour map" in problem for problem in describe(folder)["problems"])
    assert describe(make_policy().save(tmp_path / "plain"))["colour_map"] is None
