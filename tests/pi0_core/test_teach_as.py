"""`train --teach-as NEW=KNOWN`: the new object taught as the checkpoint acts on a known one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.data import collate_training, network_transform
from pi0_core.train.distill import TEACHER_KEYS, distillation_loss, make_teacher, teacher_inputs
from pi0_core.train.loop import resumed_config, train
from pi0_core.train.metrics import read_metrics
from pi0_core.train.teach_as import TeachAs, TeacherView, parse_teach_as, repaint
from pi0_core.transforms import model_inputs
from recordings.dataset import EpisodeDataset
from tests.pi0_core.conftest import make_policy, train_config
from tests.pi0_core.episodes import write_folder

YELLOW, BLUE, RED = (0.9, 0.8, 0.1), (0.1, 0.2, 0.9), (0.9, 0.1, 0.1)
PALETTE = {"yellow": YELLOW, "blue": BLUE, "red": RED}
YELLOW_AS_BLUE = TeachAs("yellow", YELLOW, "blue", BLUE)


def _lit(colour, strength: float, white: float) -> np.ndarray:
    """A pixel of `colour` under diffuse light `strength` plus white light `white`, as uint8."""
    return np.round((strength * np.asarray(colour) + white) * 255).astype(np.uint8)


def test_the_option_reads_names_from_the_palette_or_numbers_and_keeps_its_full_form() -> None:
    assert parse_teach_as("yellow=blue", PALETTE) == YELLOW_AS_BLUE
    given = parse_teach_as("Purple:0.5,0.1,0.6=blue", PALETTE)
    assert given == TeachAs("purple", (0.5, 0.1, 0.6), "blue", BLUE)
    assert parse_teach_as(given.text) == given  # the config keeps the full form


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yellow", "takes NEW=KNOWN"),
        ("purple=blue", "no colour known for 'purple' \\(known: blue, red, yellow\\)"),
        ("yellow=yellow", "'yellow' is taught as itself"),
        ("grey:0.5,0.5,0.5=blue", "too grey"),
        ("yellow:1,x,0=blue", "is not R,G,B numbers"),
        ("yellow:1,2,0=blue", "three numbers in \\[0, 1\\]"),
        ("light yellow=blue", "is not one lower-case word"),
    ],
)
def test_a_malformed_option_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_teach_as(text, PALETTE)


def test_the_new_colour_is_repainted_in_the_known_one_under_the_same_light() -> None:
    image = np.zeros((2, 3, 3), np.uint8)
    image[0, 0] = _lit(YELLOW, 0.9, 0.05)  # lit face
    image[0, 1] = _lit(YELLOW, 0.4, 0.02)  # shaded face
    image[0, 2] = _lit(RED, 0.9, 0.05)  # another cube
    image[1, 0] = (90, 90, 90)  # the table
    image[1, 1] = _lit(YELLOW, 0.05, 0.3)  # too little of the colour to tell
    image[1, 2] = (250, 250, 250)  # a highlight
    out = repaint(image, YELLOW, BLUE)
    assert np.abs(out[0, 0].astype(int) - _lit(BLUE, 0.9, 0.05)).max() <= 1
    assert np.abs(out[0, 1].astype(int) - _lit(BLUE, 0.4, 0.02)).max() <= 1
    assert np.array_equal(out[0, 2], image[0, 2]) and np.array_equal(out[1], image[1])


def test_an_image_without_the_new_colour_is_left_as_it_is() -> None:
    grey = np.random.default_rng(0).integers(0, 256, (8, 8, 1))
    image = np.concatenate([grey, grey, grey], -1).astype(np.uint8)
    image[0, :4] = [_lit(c, 0.8, 0.1) for c in (RED, BLUE, (0.1, 0.8, 0.1), (0.9, 0.5, 0.1))]
    assert repaint(image, YELLOW, BLUE) is image


def test_the_simulated_yellow_cube_repainted_looks_like_the_blue_one() -> None:
    # pick_yellow's scene is pick_color's with the blue cube yellow, at the same seeded places
    from drivers.sim.palette import cube_colours
    from drivers.sim.world import AlohaSim

    frames = {}
    for task in ("pick_yellow", "pick_color"):
        with AlohaSim(task, 3) as sim:
            sim.reset(3)
            frames[task] = sim.render("cam_high", 96, 128)
    colours = cube_colours()
    assert colours["yellow"] == YELLOW and colours["blue"] == BLUE  # the scene files' rgba
    yellow, blue = frames["pick_yellow"].astype(int), frames["pick_color"].astype(int)
    cube = np.abs(yellow - blue).max(-1) > 10
    assert cube.sum() >= 6  # the cube is in view
    repainted = repaint(frames["pick_yellow"], YELLOW, BLUE).astype(int)
    assert np.abs(repainted - blue).max(-1)[cube].mean() < 8  # was about 150 before
    assert np.array_equal(repainted[~cube], yellow[~cube])  # nothing else changes


def test_the_prompt_names_the_known_word_in_place_of_the_new() -> None:
    view = TeacherView(YELLOW_AS_BLUE)
    assert view.rename("Pick up the Yellow cube.") == "Pick up the blue cube."
    assert view.rename("the yellowish one, yellow!") == "the yellowish one, blue!"


def _batch(
    policy: Policy, data, teach: TeachAs | None, colour=YELLOW, swap: float = 0.0
) -> dict[str, torch.Tensor]:
    dataset = EpisodeDataset(sorted(data.glob("*.hdf5")), chunk_size=policy.spec.chunk_size)
    transform = network_transform(
        policy.spec,
        policy.tokenizer,
        policy.model,
        teacher_view=TeacherView(teach, swap) if teach else None,
    )
    items = []
    for index in range(4):
        item = dataset[index]
        high = np.array(item["images"]["cam_high"])
        high[:8, :8] = _lit(colour, 0.8, 0.05)  # a cube in the top camera's corner
        items.append({**item, "images": {**item["images"], "cam_high": high}})
    return collate_training([transform(item) for item in items])


def test_the_samples_carry_the_teachers_view_beside_the_recorded_one(tmp_path) -> None:
    policy = make_policy()
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow")
    batch = _batch(policy, data, YELLOW_AS_BLUE)
    assert set(TEACHER_KEYS) <= set(batch) and "teacher_pixel_values" in batch
    tokens = policy.tokenizer.encode
    assert _contains(batch["input_ids"][0], tokens("lift the yellow"))
    assert _contains(batch["teacher_input_ids"][0], tokens("lift the blue"))
    # the corner, and only the corner, of the top camera is repainted
    changed = (batch["teacher_pixel_values"] - batch["pixel_values"]).abs().amax(dim=2)
    assert changed[:, 0].amax() > 0.5 and changed[:, 1:].amax() == 0  # (B, cameras, H, W)
    assert torch.equal(
        batch["teacher_pixel_values"][:, 0, :, -1], batch["pixel_values"][:, 0, :, -1]
    )


def _contains(row: torch.Tensor, wanted: list[int]) -> bool:
    ids = row.tolist()
    return any(ids[i : i + len(wanted)] == wanted for i in range(len(ids) - len(wanted) + 1))


def test_the_new_rows_learn_the_teachers_answer_on_its_view(tmp_path) -> None:
    policy = make_policy()
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow")
    batch = _batch(policy, data, YELLOW_AS_BLUE)
    student, teacher = policy.model.eval(), make_teacher(policy.model)
    inputs = model_inputs(batch)
    args = (batch["actions"], batch["action_mask"], policy.spec.action_dim, student.config)

    def loss(rows: int, taught: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        shown = teacher_inputs(inputs, batch, rows)
        generator = torch.Generator().manual_seed(1)
        return distillation_loss(student, teacher, inputs, None, *args, generator, taught, shown)

    none_shown, _ = loss(0, torch.ones(4, dtype=torch.bool))  # every row in its own view
    assert none_shown.item() < 1e-12  # the student is the teacher (up to rounding)
    two_shown, gap = loss(2, torch.tensor([True, True, False, False]))
    assert gap.item() > 0  # the repainted, renamed view asks something else of the new rows
    _, same_gap = loss(2, torch.tensor([False, False, True, True]))
    assert same_gap.item() < 1e-12  # the rows left in their own view: nothing to learn


def test_a_run_teaches_the_new_word_and_says_so(tmp_path, micro_init) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow")
    out = tmp_path / "out"
    config = train_config(data, out, micro_init, steps=3, teach_as=YELLOW_AS_BLUE.text)
    train(config)
    losses = [r["loss"] for r in read_metrics(out) if "loss" in r]
    assert losses[0] > 0  # the renamed prompt reached the teacher (the images have no yellow)
    card = Policy.load(out / "final", device="cpu").model_card
    assert "`--teach-as yellow=blue`" in card
    assert resumed_config(out).teach_as == YELLOW_AS_BLUE.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"preset": "tiny"}, "--teach-as needs --init"),
        ({"init": "ckpt", "fsdp": True}, "--teach-as is not supported with --fsdp"),
    ],
)
def test_teach_as_refuses_what_it_cannot_do(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", teach_as=YELLOW_AS_BLUE.text, **overrides)


def test_the_command_line_names_the_colours_it_knows(tmp_path, capsys) -> None:
    from app.cli.main import main

    argv = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--init", "x"]
    assert main([*argv, "--teach-as", "purple=blue"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --teach-as: no colour known for 'purple' (known: blue, green, red, yellow); "
        "give it as purple:R,G,B"
    )


# --teach-features: the keys and values the expert reads of the image tokens


def test_the_image_tokens_gap_counts_only_the_chosen_rows_and_visible_tokens() -> None:
    from pi0_core.train.prefix_match import image_token_gap

    teacher = [torch.ones(2, 5, 4)]  # the rows 1 and 3 of the student's batch, 5 tokens
    student = [torch.ones(4, 5, 4)]
    student[0][0] += 7.0  # a row that is not compared
    student[0][1, 3:] += 9.0  # text tokens, past the 3 image tokens
    student[0][3, 2] += 2.0  # a hidden image token (a masked camera)
    attention = torch.ones(4, 5)
    attention[3, 2] = 0
    rows = torch.tensor([False, True, False, True])
    assert image_token_gap(student, teacher, rows, 3, attention).item() == 0.0
    student[0][1, 0, 0] += 2.0  # one visible value of a compared row, off by 2
    gap = image_token_gap(student, teacher, rows, 3, attention).item()
    assert gap == pytest.approx(4.0 / (5 * 4))  # squared error over 5 visible tokens x 4 wide


def test_features_matched_teach_the_new_rows_and_the_run_logs_it(tmp_path, micro_init) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow")
    out = tmp_path / "out"
    config = train_config(
        data, out, micro_init, steps=3, teach_as=YELLOW_AS_BLUE.text, teach_features=1.0
    )
    train(config)
    gaps = [r["teach_features"] for r in read_metrics(out) if "loss" in r]
    assert len(gaps) == 3 and gaps[0] > 0  # the renamed prompt changes the image tokens' keys
    assert resumed_config(out).teach_features == 1.0


def test_features_without_a_view_to_match_are_refused() -> None:
    with pytest.raises(ValueError, match="--teach-features needs --teach-as"):
        TrainConfig(data=("d",), out="o", init="ckpt", teach_features=1.0)
    with pytest.raises(ValueError, match="--teach-features must be in"):
        TrainConfig(
            data=("d",), out="o", init="ckpt", teach_as="a:1,0,0=b:0,0,1", teach_features=-1
        )


# --teach-chunks: the new rows' action chunks are the teacher's, sampled in its view


def test_the_teachers_chunks_are_its_samples_of_the_first_rows_in_its_view(tmp_path) -> None:
    from pi0_core.train.distill import teacher_chunks

    policy = make_policy()
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow")
    batch = _batch(policy, data, YELLOW_AS_BLUE)
    teacher = make_teacher(policy.model)
    shown = teacher_inputs(model_inputs(batch), batch, 2)
    chunks = teacher_chunks(teacher, shown, 2, torch.Generator().manual_seed(5))
    config = teacher.config
    assert chunks.shape == (2, config.chunk_size, config.max_action_dim)
    noise = torch.randn(chunks.shape, generator=torch.Generator().manual_seed(5))
    first = {key: value[:2] for key, value in shown.items()}
    assert torch.equal(chunks, teacher.sample_actions(**first, noise=noise))
    renamed = teacher.sample_actions(
        **{k: v[:2] for k, v in model_inputs(batch).items()}, noise=noise
    )
    assert not torch.allclose(chunks, renamed)  # the view, not the recorded sample, was asked


def test_a_run_on_the_teachers_chunks_says_so_and_needs_its_view(tmp_path, micro_init) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow")
    out = tmp_path / "out"
    config = train_config(
        data, out, micro_init, steps=2, teach_as=YELLOW_AS_BLUE.text, teach_chunks=True
    )
    train(config)
    assert "`--teach-chunks`" in Policy.load(out / "final", device="cpu").model_card
    assert resumed_config(out).teach_chunks
    with pytest.raises(ValueError, match="--teach-chunks needs --teach-as"):
        TrainConfig(data=("d",), out="o", init="ckpt", teach_chunks=True)


def test_the_repainted_tokens_count_again_on_their_own() -> None:
    from pi0_core.train.prefix_match import image_token_gap, repainted_tokens

    pixels = torch.zeros(1, 2, 3, 4, 4)  # two cameras of 2 x 2 patches of 2 pixels
    shown = pixels.clone()
    shown[0, 1, 2, 3, 0] = 0.5  # one pixel of the second camera's lower left patch
    focus = repainted_tokens(shown, pixels, 2)
    assert focus.tolist() == [[False] * 4 + [False, False, True, False]]
    student, teacher = [torch.ones(1, 8, 2)], [torch.ones(1, 8, 2)]
    student[0][0, 6] += 1.0  # the repainted token is off by 1
    rows, attention = torch.tensor([True]), torch.ones(1, 8)
    assert image_token_gap(student, teacher, rows, 8, attention).item() == pytest.approx(1 / 8)
    focused = image_token_gap(student, teacher, rows, 8, attention, focus).item()
    assert focused == pytest.approx(1 / 8 + 1)


# --teach-swap: the old data's known colour shown to the student as the new one


def _scene(colour, prompt: str) -> dict:
    image = np.full((4, 4, 3), 90, np.uint8)
    image[:2, :2] = _lit(colour, 0.8, 0.05)
    return {"images": {"cam_high": image}, "prompt": prompt, "state": np.zeros(14)}


def test_a_swapped_sample_shows_the_student_the_new_colour_and_the_teacher_the_recorded() -> None:
    view = TeacherView(YELLOW_AS_BLUE, swap=1.0)
    recorded = _scene(BLUE, "pick up the blue cube")
    student, teacher = view(recorded)
    assert teacher is recorded and student["prompt"] == "pick up the yellow cube"
    assert (
        np.abs(student["images"]["cam_high"][0, 0].astype(int) - _lit(YELLOW, 0.8, 0.05)).max() <= 1
    )
    new = _scene(YELLOW, "pick up the yellow cube")
    student, teacher = view(new)  # the new data: the other way round
    assert student is new and teacher["prompt"] == "pick up the blue cube"
    other = _scene(RED, "pick up the red cube")
    assert view(other) == (other, other)


def test_the_swapped_share_is_drawn_from_the_seed() -> None:
    def swapped(seed: int) -> list[bool]:
        view = TeacherView(YELLOW_AS_BLUE, swap=0.3, seed=seed)
        recorded = _scene(BLUE, "lift the blue one")
        return [view(recorded)[0] is not recorded for _ in range(200)]

    draws = swapped(4)
    assert draws == swapped(4) and draws != swapped(5)
    assert 40 <= sum(draws) <= 80  # about 30 % of 200
    recorded = _scene(BLUE, "lift the blue one")
    assert TeacherView(YELLOW_AS_BLUE)(recorded) == (recorded, recorded)  # no swap by default
    with pytest.raises(ValueError, match="--teach-swap needs --teach-as"):
        TrainConfig(data=("d",), out="o", init="ckpt", teach_swap=0.5)


# eval --shown-as: the teacher's view at evaluation


class _Recording:
    cameras = ("cam_high",)
    camera_size = (4, 4)

    def __init__(self) -> None:
        self.seen: list[dict] = []

    def infer(self, obs: dict, **options) -> np.ndarray:
        self.seen.append(obs)
        return np.zeros((5, 14), np.float32)


def test_a_policy_shown_as_the_teacher_sees_the_known_colour_and_word() -> None:
    from pi0_core.train.teach_as import ShownAs

    policy = _Recording()
    shown = ShownAs(policy, YELLOW_AS_BLUE)
    assert shown.cameras == ("cam_high",) and shown.camera_size == (4, 4)
    shown.infer(_scene(YELLOW, "pick up the yellow cube"))
    seen = policy.seen[-1]
    assert seen["prompt"] == "pick up the blue cube"
    assert np.abs(seen["images"]["cam_high"][0, 0].astype(int) - _lit(BLUE, 0.8, 0.05)).max() <= 1


def test_eval_refuses_a_view_it_cannot_show(tmp_path, capsys) -> None:
    from app.cli.main import main

    base = ["eval", "--task", "pick_yellow", "--episodes", "1"]
    assert main([*base, "--shown-as", "purple=blue"]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .splitlines()[-1]
        .startswith("error: --shown-as: no colour known for 'purple'")
    )
    assert main([*base, "--policy", "scripted", "--shown-as", "yellow=blue"]) == 2
    assert "--shown-as evaluates a checkpoint" in capsys.readouterr().err


def test_new_data_that_never_names_the_new_word_is_refused(tmp_path, micro_init) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the red")
    config = train_config(data, tmp_path / "out", micro_init, steps=1, teach_as=YELLOW_AS_BLUE.text)
    with pytest.raises(ValueError, match="no prompt of the new episodes names 'yellow'"):
        train(config)


def test_a_swapped_sample_reaches_the_network_as_the_new_colour_and_the_teacher_as_recorded(
    tmp_path,
) -> None:
    policy = make_policy()
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="lift the blue")
    tokens = policy.tokenizer.encode
    swapped = _batch(policy, data, YELLOW_AS_BLUE, colour=BLUE, swap=1.0)
    assert _contains(swapped["input_ids"][0], tokens("lift the yellow"))
    assert _contains(swapped["teacher_input_ids"][0], tokens("lift the blue"))
    changed = (swapped["teacher_pixel_values"] - swapped["pixel_values"]).abs().amax()
    assert changed > 0.5  # the network saw the corner yellow, the teacher blue
    kept = _batch(policy, data, YELLOW_AS_BLUE, colour=BLUE)  # no swap: the same to both
    for key in TEACHER_KEYS:
        assert torch.equal(kept[key], kept[key.removeprefix("teacher_")])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"teach_swap": 1.5}, "--teach-swap must be in \\[0, 1\\]"),
        ({"teach_focus": True}, "--teach-focus needs --teach-features"),
        ({"teach_features": 101.0}, "--teach-features must be in"),
    ],
)
def test_out_of_range_teaching_options_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", init="ckpt", teach_as=YELLOW_AS_BLUE.text, **overrides)
