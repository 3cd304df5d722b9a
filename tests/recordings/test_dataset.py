"""EpisodeDataset: indexing across episodes, padding and mask at the end, worker processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from recordings.dataset import EpisodeDataset
from tests.recordings.episodes import PROMPT, write_episode


@pytest.fixture
def two_episodes(tmp_path: Path) -> tuple[Path, list[dict]]:
    data = [
        write_episode(tmp_path / "episode_0.hdf5", steps=6, seed=0),
        write_episode(tmp_path / "episode_1.hdf5", steps=4, seed=1, compress=True),
    ]
    return tmp_path, data


def test_items_cover_every_step_of_every_episode(two_episodes) -> None:
    folder, data = two_episodes
    dataset = EpisodeDataset(folder, chunk_size=3)
    assert len(dataset) == 10
    assert dataset.episode_lengths == (6, 4)
    assert (dataset.state_dim, dataset.action_dim) == (14, 14)
    assert dataset.cameras == ("cam_high", "cam_left_wrist")
    item = dataset[7]
    assert (item["episode_index"], item["t"]) == (1, 1)
    np.testing.assert_array_equal(item["state"], data[1]["qpos"][1])
    assert item["state"].dtype == np.float32 and item["prompt"] == PROMPT


def test_chunk_is_padded_and_masked_at_the_episode_end(two_episodes) -> None:
    folder, data = two_episodes
    dataset = EpisodeDataset(folder, chunk_size=4)
    item = dataset[4]  # episode 0, step 4 of 6: steps 4, 5 are real
    actions = data[0]["action"]
    np.testing.assert_array_equal(item["action_mask"], [True, True, False, False])
    np.testing.assert_array_equal(item["actions"], actions[[4, 5, 5, 5]])
    assert item["actions"].shape == (4, 14) and item["action_mask"].dtype == np.bool_
    assert dataset[0]["action_mask"].all()


def test_camera_selection_and_unknown_camera(two_episodes) -> None:
    folder, _ = two_episodes
    assert list(EpisodeDataset(folder, cameras=["cam_left_wrist"])[0]["images"]) == [
        "cam_left_wrist"
    ]
    with pytest.raises(ValueError, match="cam_low"):
        EpisodeDataset(folder, cameras=["cam_low"])


def test_works_with_worker_processes(two_episodes) -> None:
    folder, data = two_episodes
    dataset = EpisodeDataset(folder, chunk_size=2)
    dataset[0]  # the parent opens a file first: workers must not reuse its handle
    loader = DataLoader(dataset, batch_size=5, num_workers=2, shuffle=False)
    batches = list(loader)
    states = torch.cat([batch["state"] for batch in batches]).numpy()
    np.testing.assert_array_equal(states, np.concatenate([data[0]["qpos"], data[1]["qpos"]]))
    assert batches[0]["images"]["cam_high"].shape == (5, 24, 32, 3)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no .hdf5 episodes"):
        EpisodeDataset(tmp_path)
