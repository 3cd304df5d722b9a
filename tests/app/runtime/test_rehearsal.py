"""`--rehearse init`: the starting checkpoint's demos regenerated once, then read from cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.runtime import rehearsal
from pi0_core.bundled import BUNDLED_CHECKPOINT

BUNDLED = str(BUNDLED_CHECKPOINT)


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Cache in tmp_path; the simulator replaced by one writing empty episode files."""
    monkeypatch.setenv(rehearsal.CACHE_ENV, str(tmp_path / "cache"))
    calls = []

    def fake_generate(task, episodes, out, seed, cameras, size, compress, progress):
        calls.append((task, episodes, seed, size, compress))
        Path(out).mkdir(parents=True)
        for i in range(episodes):
            (Path(out) / f"episode_{i}.hdf5").write_bytes(b"")

    import drivers.sim.demos

    monkeypatch.setattr(drivers.sim.demos, "generate_episodes", fake_generate)
    return calls


def test_init_regenerates_a_bounded_number_per_task(generated: list) -> None:
    folders = rehearsal.regenerate_init_data(BUNDLED, episodes=3)
    assert [call[:3] for call in generated] == [
        ("transfer_cube", 3, 0),
        ("pick_color", 3, 0),
        ("insertion", 3, 0),
    ]
    assert all(call[3:] == ((240, 320), True) for call in generated)
    assert all(len(list(folder.glob("*.hdf5"))) == 3 for folder in folders)


def test_second_time_comes_from_the_cache(generated: list) -> None:
    first = rehearsal.regenerate_init_data(BUNDLED, episodes=2)
    generated.clear()
    assert rehearsal.regenerate_init_data(BUNDLED, episodes=2) == first
    assert generated == []


def test_resolved_entry_keeps_its_fraction(generated: list) -> None:
    (entry,) = rehearsal.resolve_rehearsals(["init:0.3"], BUNDLED, episodes=1)
    folders, fraction = entry.rsplit(":", 1)
    assert fraction == "0.3" and len(folders.split(",")) == 3


def test_other_folders_pass_through(generated: list) -> None:
    assert rehearsal.resolve_rehearsals(["data/a:0.2"], BUNDLED) == ("data/a:0.2",)
    assert generated == []


def test_card_without_demos_commands_is_refused(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# a policy\n")
    with pytest.raises(ValueError, match="names no `python main.py demos` command"):
        rehearsal.init_recipes(str(tmp_path), 5)


def test_init_needs_a_starting_checkpoint() -> None:
    with pytest.raises(ValueError, match="--rehearse init needs --init"):
        rehearsal.resolve_rehearsals(["init"], None)


def test_episodes_per_task_can_be_raised(generated: list) -> None:
    rehearsal.resolve_rehearsals(["init:0.5"], BUNDLED, episodes=4)
    assert [call[1] for call in generated] == [4, 4, 4]


@pytest.mark.parametrize("episodes", [0, -3, 1001])
def test_absurd_episode_counts_are_refused(generated: list, episodes: int) -> None:
    with pytest.raises(ValueError, match=r"--rehearse-episodes must be in \[1, 1000\]"):
        rehearsal.resolve_rehearsals(["init"], BUNDLED, episodes=episodes)
    assert generated == []


def test_episodes_without_init_rehearsal_are_refused(generated: list) -> None:
    with pytest.raises(ValueError, match="applies to `--rehearse init`"):
        rehearsal.resolve_rehearsals(["data/a:0.2"], BUNDLED, episodes=20)
    with pytest.raises(ValueError, match="applies to `--rehearse init`"):
        rehearsal.resolve_rehearsals([], BUNDLED, episodes=20)


def test_a_task_gets_no_more_than_its_cards_command_and_is_told(generated: list, caplog) -> None:
    caplog.set_level("INFO", logger=rehearsal.__name__)
    rehearsal.regenerate_init_data(BUNDLED, episodes=60)  # the card's insertion command: 50
    assert [call[:2] for call in generated] == [
        ("transfer_cube", 60),
        ("pick_color", 60),
        ("insertion", 50),
    ]
    assert "rehearsing 50 insertion episodes" in caplog.text
