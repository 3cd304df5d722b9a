"""The auxiliary object-position losses and the oversampling of episode starts and grasps."""

from __future__ import annotations

from collections import Counter
from itertools import islice
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from safetensors.torch import load_file

from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.data import ResumableSampler, grasp_weights, sampling_weights, start_weights
from pi0_core.train.loop import resumed_config, train
from pi0_core.train.metrics import read_metrics
from pi0_core.train.objects import (
    NAMED_PROBE,
    PROBE,
    ObjectTargets,
    attach_named_probe,
    attach_probe,
    detach_probe,
    named_object,
)
from pi0_core.train.rehearsal import rehearsed_only
from tests.pi0_core.conftest import make_policy, train_config
from tests.pi0_core.episodes import write_episode, write_folder


def _config(data: Path, out: Path, init: Path, **overrides) -> TrainConfig:
    return train_config(data, out, init, **{"steps": 6, "augment": False, **overrides})


def test_targets_are_normalised_per_object_and_absent_objects_masked() -> None:
    rng = np.random.default_rng(0)
    cube = rng.normal([0.1, 0.5, 0.02, 1, 0, 0, 0], 0.05, size=(50, 1, 7))
    both = rng.normal([0.1, 0.5, 0.02, 1, 0, 0, 0], 0.05, size=(50, 2, 7))
    targets = ObjectTargets.from_poses([(("cube",), cube), (("cube", "peg"), both)])
    assert targets.names == ("cube", "peg") and targets.mean.shape == targets.std.shape == (2, 3)
    cube_xyz = np.concatenate([cube[:, 0, :3], both[:, 0, :3]])
    encoded = np.stack([targets.encode({"cube": xyz})[0][:3].numpy() for xyz in cube_xyz])
    np.testing.assert_allclose(encoded.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(encoded.std(axis=0), 1, atol=1e-4)
    value, present = targets.encode({"cube": cube[0, 0]})
    assert present.tolist() == [True] * 3 + [False] * 3
    assert value[3:].abs().sum() == 0


PICK_COLOR_OBJECTS = ("red_cube_joint", "green_cube_joint", "blue_cube_joint")


@pytest.mark.parametrize("color", ["red", "green", "blue"])
def test_every_pick_color_phrasing_names_its_cube(color: str) -> None:
    from drivers.sim.tasks import get_task

    for prompt in get_task("pick_color").prompts_for(color):
        assert named_object(prompt, PICK_COLOR_OBJECTS) == f"{color}_cube_joint", prompt
    assert named_object(f"Grab the {color.upper()} cube.", PICK_COLOR_OBJECTS) == (
        f"{color}_cube_joint"
    )


def test_prompts_naming_no_object_or_several_name_none() -> None:
    from drivers.sim.tasks import get_task

    for prompt in get_task("transfer_cube").prompts:
        assert named_object(prompt, ("red_box_joint",)) is None, prompt
    insertion = ("red_peg_joint", "blue_socket_joint")
    assert named_object("put the red peg into the blue socket", insertion) is None
    assert named_object("pick up the reddish cube", PICK_COLOR_OBJECTS) is None  # words only
    assert named_object("pick up the red cube", ()) is None


def test_the_named_target_is_that_objects_normalised_position() -> None:
    rng = np.random.default_rng(1)
    poses = rng.normal([0.1, 0.5, 0.02, 1, 0, 0, 0], 0.05, size=(40, 3, 7))
    targets = ObjectTargets.from_poses([(PICK_COLOR_OBJECTS, poses)])
    scene = dict(zip(PICK_COLOR_OBJECTS, poses[7], strict=True))
    value, present = targets.encode_named(scene, "take the green one")
    slot = targets.names.index("green_cube_joint")
    expected = (poses[7, 1, :3] - targets.mean[slot]) / targets.std[slot]
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-5)
    assert present.all()
    value, present = targets.encode_named(scene, "wave")
    assert not present.any() and not value.any()
    del scene["green_cube_joint"]  # the named object is not in this scene
    assert not targets.encode_named(scene, "take the green one")[1].any()


def test_training_with_the_named_loss_logs_it_resumes_and_saves_a_plain_network(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(
        tmp_path / "data", episodes=2, steps=16, objects=True, prompt="touch the bar"
    )
    options = {"object_loss": 1.0, "named_loss": 2.0}
    train(_config(data, tmp_path / "straight", micro_init, **options))
    interrupted = _config(data, tmp_path / "resumed", micro_init, **options)
    train(interrupted, stop_at=3)
    train(interrupted, resume_run=True)

    straight, resumed = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "resumed")
    assert all(np.isfinite(r["named_loss"]) and r["named_loss"] > 0 for r in straight)
    for key in ("loss", "object_loss", "named_loss"):
        np.testing.assert_allclose([r[key] for r in resumed], [r[key] for r in straight], rtol=1e-5)
    final = tmp_path / "straight" / "final"
    saved = load_file(final / "model.safetensors")
    assert not [name for name in saved if "probe" in name]
    policy = Policy.load(final, device="cpu")
    assert "named-object loss weight: 2" in policy.model_card


def test_a_named_loss_whose_prompts_name_nothing_stops_before_training(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, objects=True)  # "wave"
    with pytest.raises(ValueError, match="--named-loss: no episode's prompt names one of its"):
        train(_config(data, tmp_path / "out", micro_init, named_loss=1.0))
    assert not (tmp_path / "out" / "metrics.jsonl").exists()


def _train_from_the_command_line(tmp_path: Path, micro_init: Path, *extra: str) -> Path:
    """Two steps of `main.py train` on one episode whose prompt names its object, with `extra`."""
    from app.cli.main import main

    data = write_folder(tmp_path / "data", episodes=1, steps=12, objects=True, prompt="the bar")
    out = tmp_path / "out"
    argv = ["train", "--data", str(data), "--out", str(out), "--init", str(micro_init)]
    options = ["--steps", "2", "--batch-size", "4", "--threads", "1", "--num-workers", "0"]
    assert main([*argv, *options, *extra]) == 0
    return out


def test_named_loss_reaches_training_from_the_command_line(
    tmp_path: Path, micro_init: Path
) -> None:
    out = _train_from_the_command_line(tmp_path, micro_init, "--named-loss", "0.5")
    assert resumed_config(out).named_loss == 0.5
    assert "named_loss" in read_metrics(out)[-1] and "object_loss" not in read_metrics(out)[-1]


def test_training_with_the_object_loss_logs_it_resumes_and_saves_a_plain_network(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=2, steps=16, objects=True)
    train(_config(data, tmp_path / "straight", micro_init, object_loss=1.0))
    interrupted = _config(data, tmp_path / "resumed", micro_init, object_loss=1.0)
    train(interrupted, stop_at=3)
    train(interrupted, resume_run=True)

    straight, resumed = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "resumed")
    assert all(np.isfinite(r["object_loss"]) and r["object_loss"] > 0 for r in straight)
    for key in ("loss", "object_loss"):
        np.testing.assert_allclose([r[key] for r in resumed], [r[key] for r in straight], rtol=1e-5)
    final = tmp_path / "straight" / "final"
    saved = load_file(final / "model.safetensors")
    assert saved and not [name for name in saved if "object_probe" in name]
    policy = Policy.load(final, device="cpu")
    assert "object-position loss weight: 1" in policy.model_card


def test_a_probe_warm_up_trains_the_probes_before_the_first_step_and_leaves_the_network(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(
        tmp_path / "data", episodes=2, steps=16, objects=True, prompt="touch the bar"
    )
    # lr about 0: the training steps only measure the probes as they start.
    options = {"object_loss": 1.0, "named_loss": 1.0, "steps": 8, "lr": 1e-12, "ema_decay": 0.0}
    probe_losses = {}
    for warmup in (0, 100):
        out = tmp_path / f"warm_{warmup}"
        train(_config(data, out, micro_init, probe_warmup=warmup, **options))
        records = read_metrics(out)
        probe_losses[warmup] = np.mean([r["object_loss"] + r["named_loss"] for r in records])
        log = (out / "train.log").read_text()
        assert ("probe warm-up 100/100: object_loss" in log) == (warmup == 100)
    # The training steps meet probes that already read the network...
    assert probe_losses[100] < 0.85 * probe_losses[0]
    # ...and the network they start from is the checkpoint's: the warm-up moved only the probes.
    start = Policy.load(micro_init, device="cpu").model.state_dict()
    warmed = Policy.load(tmp_path / "warm_100" / "final", device="cpu")
    assert start.keys() == warmed.model.state_dict().keys()
    for name, value in warmed.model.state_dict().items():
        np.testing.assert_allclose(value, start[name], atol=1e-6, err_msg=name)
    assert "probes warmed 100 steps first" in warmed.model_card


def _probes(out: Path) -> dict[str, np.ndarray]:
    """The probes' weights in a run's resume state."""
    saved = load_file(out / "resume" / "trainable.safetensors")
    return {name: value.numpy() for name, value in saved.items() if "probe" in name}


def test_held_probes_warm_on_the_rehearsed_data_stay_fixed_and_survive_a_resume(
    tmp_path: Path, micro_init: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pi0_core.train.loop as loop

    new = write_folder(tmp_path / "new", episodes=1, steps=16, objects=True)
    old = write_folder(tmp_path / "old", episodes=2, steps=16, objects=True)
    drawn = []

    def spy(pools, batch_size):
        chosen = rehearsed_only(pools, batch_size)
        drawn.append((pools[0].stop, chosen))
        return chosen

    monkeypatch.setattr(loop, "rehearsed_only", spy)

    def config(out: str, hold: bool):
        return _config(
            new,
            tmp_path / out,
            micro_init,
            rehearse=(f"{old}:0.5",),
            object_loss=1.0,
            probe_warmup=5,
            hold_probes=hold,
            save_every=3,
        )

    train(config("held", True), stop_at=3)
    # The warm-up drew from the rehearsed episodes alone (the new data's range ends first).
    assert len(drawn) == 1 and all(pool.start >= drawn[0][0] for pool in drawn[0][1])
    at_3 = _probes(tmp_path / "held")
    assert at_3  # held probes are frozen, yet kept for --resume
    train(config("held", True), resume_run=True)
    for name, value in _probes(tmp_path / "held").items():
        np.testing.assert_array_equal(value, at_3[name], err_msg=name)
    assert "probes held as warmed" in (tmp_path / "held" / "train.log").read_text()
    card = Policy.load(tmp_path / "held" / "final", device="cpu").model_card
    assert "probes warmed 5 steps on the rehearsed data, then held" in card

    # The same run straight through matches the resumed one; without --hold-probes they move.
    train(config("straight", True))
    losses = [[r["object_loss"] for r in read_metrics(tmp_path / o)] for o in ("held", "straight")]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    train(config("moving", False), stop_at=3)
    before = _probes(tmp_path / "moving")
    train(config("moving", False), resume_run=True)
    after = _probes(tmp_path / "moving")
    assert any(not np.array_equal(after[name], before[name]) for name in before)


def test_held_probes_refuse_an_object_the_rehearsed_data_lacks(
    tmp_path: Path, micro_init: Path
) -> None:
    from pi0_core.train.setup import build

    new = tmp_path / "new"
    write_episode(new / "episode_0.hdf5", steps=12, objects=True, object_name="yellow_cube_joint")
    old = write_folder(tmp_path / "old", episodes=1, steps=12, objects=True)
    options = {"rehearse": (f"{old}:0.5",), "probe_warmup": 2, "hold_probes": True}
    with pytest.raises(ValueError, match="the rehearsed data has no yellow_cube_joint"):
        build(_config(new, tmp_path / "out", micro_init, object_loss=1.0, **options))
    trained_probe = {**options, "hold_probes": False}  # a probe that trains can learn it
    build(_config(new, tmp_path / "out", micro_init, object_loss=1.0, **trained_probe))


@pytest.mark.parametrize(
    "settings",
    [{"probe_warmup": 0, "rehearse": ("old",)}, {"probe_warmup": 10, "rehearse": ()}],
)
def test_held_probes_without_a_warm_up_or_rehearsed_data_are_refused(settings: dict) -> None:
    base = {"data": ("d",), "out": "o", "init": "i", "object_loss": 1.0, "hold_probes": True}
    with pytest.raises(ValueError, match="--hold-probes needs --probe-warmup and --rehearse"):
        TrainConfig(**base, **settings)


def test_probe_warmup_reaches_training_from_the_command_line(
    tmp_path: Path, micro_init: Path
) -> None:
    out = _train_from_the_command_line(
        tmp_path, micro_init, "--object-loss", "1", "--probe-warmup", "3"
    )
    assert resumed_config(out).probe_warmup == 3
    assert "probe warm-up 3/3" in (out / "train.log").read_text()


def test_hold_probes_reaches_training_from_the_command_line(
    tmp_path: Path, micro_init: Path
) -> None:
    old = write_folder(tmp_path / "old", episodes=1, steps=12, objects=True, prompt="the bar")
    out = _train_from_the_command_line(
        tmp_path,
        micro_init,
        *("--object-loss", "1", "--probe-warmup", "2", "--hold-probes"),
        *("--rehearse", f"{old}:0.25"),
    )
    assert resumed_config(out).hold_probes
    assert "probes held as warmed" in (out / "train.log").read_text()


@pytest.mark.parametrize(
    ("loss", "part"),
    [
        ("object_loss", "vision_tower"),  # the tower that feeds the action expert
        ("named_loss", "language_model"),  # the layers whose keys and values the expert reads
    ],
)
def test_each_auxiliary_loss_changes_what_its_part_of_the_network_learns(
    loss: str, part: str, tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(
        tmp_path / "data", episodes=1, steps=12, objects=True, prompt="touch the bar"
    )
    weights = {}
    for weight in (0.0, 5.0):
        out = tmp_path / f"out_{weight}"
        train(_config(data, out, micro_init, steps=3, ema_decay=0.0, **{loss: weight}))
        policy = Policy.load(out / "final", device="cpu")
        weights[weight] = getattr(policy.model.model.vlm, part).state_dict()
    changed = [
        name for name, value in weights[0.0].items() if not np.allclose(value, weights[5.0][name])
    ]
    assert changed  # the auxiliary gradient reaches that part


def test_object_loss_on_episodes_without_object_poses_stops_before_training(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    with pytest.raises(ValueError, match="stores no object poses"):
        train(_config(data, tmp_path / "out", micro_init, object_loss=1.0))
    assert not (tmp_path / "out" / "metrics.jsonl").exists()


def test_episode_starts_are_drawn_as_often_as_weighted() -> None:
    weights = start_weights([100, 100], start_steps=10, start_weight=5.0)
    assert weights.shape == (200,) and weights[:10].tolist() == [5.0] * 10 and weights[10] == 1
    sampler = ResumableSampler(200, seed=1, weights=weights)
    drawn = list(islice(iter(sampler), 20_000))
    counts = Counter(index % 100 < 10 for index in drawn)
    share = counts[True] / len(drawn)  # expected 2 * 50 / (2 * 50 + 2 * 90) = 0.357
    assert 0.33 < share < 0.38
    again = ResumableSampler(200, seed=1, weights=weights, start=500)
    assert list(islice(iter(again), 300)) == drawn[500:800]  # a resumed run sees the same


def _closing_at(steps: int, start: int, stop: int, column: int = 13) -> np.ndarray:
    """(steps, 14) actions: grippers open (1.0), one closing over [start, stop) to 0."""
    action = np.zeros((steps, 14), dtype=np.float32)
    action[:, [6, 13]] = 1.0
    action[start:stop, column] = np.linspace(1.0, 0.0, stop - start, endpoint=False)
    action[stop:, column] = 0.0
    return action


def test_grasp_weights_mark_the_samples_whose_chunk_closes_a_gripper() -> None:
    closing = _closing_at(100, start=60, stop=65)  # falls on steps 60 -> 61 ... 64 -> 65
    weights = grasp_weights([closing], grippers=(6, 13), window=10, weight=4.0)
    assert weights.shape == (100,)
    assert np.flatnonzero(weights == 4.0).tolist() == list(range(51, 65))
    assert set(weights.tolist()) == {1.0, 4.0}
    opening = closing[::-1].copy()  # the same gripper opening: no grasp
    assert (grasp_weights([opening], (6, 13), 10, 4.0) == 1.0).all()
    other = _closing_at(100, 60, 65, column=3)  # a joint that is not a gripper
    assert (grasp_weights([other], (6, 13), 10, 4.0) == 1.0).all()
    near_end = _closing_at(30, start=25, stop=28, column=6)
    assert np.flatnonzero(grasp_weights([near_end], (6, 13), 50, 2.0) == 2.0).tolist() == list(
        range(28)
    )


def test_start_and_grasp_weights_combine_by_the_larger() -> None:
    episodes = [_closing_at(100, 20, 30), _closing_at(80, 60, 65, column=6)]
    dataset = SimpleNamespace(
        episode_lengths=(100, 80), action_dim=14, episode_actions=lambda e: episodes[e]
    )
    settings = {"data": ("d",), "out": "o", "preset": "tiny", "start_steps": 15}
    both = TrainConfig(**settings, start_weight=3.0, grasp_weight=2.0, grasp_steps=10)
    weights = sampling_weights(dataset, both)
    first, second = weights[:100], weights[100:]
    assert first[:15].tolist() == [3.0] * 15  # start wins where a grasp also comes
    assert first[15:30].tolist() == [2.0] * 15 and (first[30:] == 1.0).all()
    assert second[:15].tolist() == [3.0] * 15 and (second[15:51] == 1.0).all()
    assert second[51:65].tolist() == [2.0] * 14 and (second[65:] == 1.0).all()
    assert sampling_weights(dataset, TrainConfig(**settings)) is None  # uniform: no weights
    arm = SimpleNamespace(episode_lengths=(100,), action_dim=7, episode_actions=episodes.pop)
    with pytest.raises(ValueError, match="--grasp-weight needs ALOHA's 14 action values"):
        sampling_weights(arm, TrainConfig(**settings, grasp_weight=2.0))


def test_grasp_weight_reaches_training_from_the_command_line(
    tmp_path: Path, micro_init: Path
) -> None:
    from app.cli.main import main

    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    out = tmp_path / "out"
    argv = ["train", "--data", str(data), "--out", str(out), "--init", str(micro_init)]
    options = ["--steps", "2", "--batch-size", "4", "--threads", "1", "--num-workers", "0"]
    assert main([*argv, *options, "--grasp-weight", "5", "--grasp-steps", "8"]) == 0
    saved = resumed_config(out)
    assert (saved.grasp_weight, saved.grasp_steps) == (5.0, 8)
    assert (
        "grasps (a gripper closing within 8 steps) 5x" in (out / "final" / "README.md").read_text()
    )


def test_bad_sampling_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="sampling weights must be 3 positive numbers"):
        ResumableSampler(3, seed=0, weights=np.array([1.0, 0.0, 1.0]))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("object_loss", -1.0, "--object-loss must be in"),
        ("object_loss", 1e6, "--object-loss must be in"),
        ("named_loss", -0.5, "--named-loss must be in"),
        ("named_loss", float("nan"), "--named-loss must be in"),
        ("start_weight", 0.5, "--start-weight must be in"),
        ("start_steps", 0, "--start-steps must be at least 1"),
        ("grasp_weight", 0.5, "--grasp-weight must be in"),
        ("grasp_steps", 0, "--grasp-steps must be at least 1"),
        ("probe_warmup", -1, "--probe-warmup must be in"),
        ("probe_warmup", 10**6, "--probe-warmup must be in"),
        ("probe_warmup", 100, "--probe-warmup needs --object-loss or --named-loss"),
    ],
)
def test_bad_settings_are_refused(field: str, value: object, message: str) -> None:
    settings = {"data": ("d",), "out": "o", "preset": "tiny", field: value}
    with pytest.raises(ValueError, match=message):
        TrainConfig(**settings)


def test_a_probe_warm_up_with_fsdp_is_refused() -> None:
    settings = {"data": ("d",), "out": "o", "preset": "tiny", "object_loss": 1.0}
    TrainConfig(**settings, probe_warmup=10)  # on one process, unsharded: accepted
    with pytest.raises(ValueError, match="--probe-warmup is not supported with --fsdp"):
        TrainConfig(**settings, probe_warmup=10, fsdp=True)


def test_detaching_a_copy_removes_only_its_probe_and_hook() -> None:
    import copy

    network = make_policy().model
    targets = ObjectTargets.from_poses([(("cube",), np.zeros((3, 1, 7)))])
    attach_probe(network, targets, seed=0)
    duplicate = detach_probe(copy.deepcopy(network))
    assert not hasattr(duplicate, PROBE)
    assert not duplicate.model.vlm.multi_modal_projector._forward_hooks
    assert (
        hasattr(network, PROBE) and len(network.model.vlm.multi_modal_projector._forward_hooks) == 1
    )


def test_detaching_removes_both_probes_and_their_hooks() -> None:
    import copy

    network = make_policy().model
    targets = ObjectTargets.from_poses([(("cube",), np.zeros((3, 1, 7)))])
    attach_probe(network, targets, seed=0)
    attach_named_probe(network, image_tokens=4, seed=0)
    duplicate = detach_probe(copy.deepcopy(network))
    assert not hasattr(duplicate, PROBE) and not hasattr(duplicate, NAMED_PROBE)
    assert not duplicate.model.vlm.language_model._forward_hooks
    assert not duplicate.model.vlm.multi_modal_projector._forward_hooks
    assert len(network.model.vlm.language_model._forward_hooks) == 1


def test_both_probes_train_beside_lora_and_are_left_out_of_the_merged_checkpoint(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, objects=True, prompt="the bar")
    out = tmp_path / "out"
    train(_config(data, out, micro_init, steps=3, lora=True, object_loss=1.0, named_loss=1.0))
    assert all(r["named_loss"] > 0 and r["object_loss"] > 0 for r in read_metrics(out))
    saved = load_file(out / "final" / "model.safetensors")
    assert not [name for name in saved if "probe" in name or "lora_" in name]
    assert Policy.load(out / "final", device="cpu").chunk_size > 0


def test_a_probe_warm_up_across_processes_is_refused_before_anything_is_written(
    tmp_path: Path, micro_init: Path
) -> None:
    import torch

    from pi0_core.train.distributed import Processes
    from pi0_core.train.loop import Run

    out = tmp_path / "out"
    config = _config(tmp_path / "data", out, micro_init, object_loss=1.0, probe_warmup=10)
    with pytest.raises(ValueError, match="--probe-warmup runs on one process"):
        Run(config, Processes(rank=0, world=2, local_rank=0, device=torch.device("cpu")), False)
    assert not out.exists()
