"""Everything a run needs before its first step: checked data, network, tokenizer, policy.json."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transformers import PI0ForConditionalGeneration

from pi0_core.adapters import convention_name, make_adapter
from pi0_core.layouts import read_folder
from pi0_core.layouts.folder import TOKENIZER_OPTION
from pi0_core.layouts.resolve import MissingInputError, check_supported
from pi0_core.model import build_model
from pi0_core.network import load_network
from pi0_core.presets import PRESETS, get_preset
from pi0_core.spec import PolicySpec
from pi0_core.tokenizer import PromptTokenizer, load_tokenizer, make_tokenizer, open_tokenizer
from pi0_core.train.config import TrainConfig
from pi0_core.train.convention_stats import convention_stats
from pi0_core.train.objects import ObjectTargets, named_object
from pi0_core.train.rehearsal import Pool, batch_pools, check_rehearsals
from pi0_core.train.start_stats import choose_stats, outside_line
from pi0_core.train.teach_as import check_named, parse_teach_as
from recordings import layout
from recordings.dataset import EpisodeDataset
from recordings.sources import EpisodeRef, checked_episode_sources
from recordings.stats import NormStats

log = logging.getLogger(__name__)


@dataclass
class RunParts:
    """The network, its tokenizer and spec, and the dataset, ready to train."""

    model: PI0ForConditionalGeneration
    tokenizer: PromptTokenizer
    spec: PolicySpec
    dataset: EpisodeDataset
    lr: float  # peak learning rate: the config's, else the preset's default
    objects: ObjectTargets | None = None  # targets of the auxiliary object-position loss
    pools: list[Pool] | None = None  # with --rehearse: the new data's and each rehearsal's share


def checked_episodes(data: tuple[str, ...], camera_map: dict | None = None) -> list[EpisodeRef]:
    """Every episode under `data` (HDF5 or LeRobot), each validated; the first bad one stops
    the run."""
    return checked_episode_sources([Path(p) for p in data], camera_map)


def build(config: TrainConfig) -> RunParts:
    """Load and check the data, then build or load the network to match it."""
    new = checked_episodes(config.data, config.camera_map)
    rehearsed = [checked_episodes(r.paths, config.camera_map)
                 for r in check_rehearsals(config.rehearse)]  # fmt: skip
    paths = new + [path for group in rehearsed for path in group]
    if config.init is not None:
        model, tokenizer, init_spec, adapter, budget = _from_checkpoint(
            Path(config.init), config.tokenizer, config.convention
        )
        preset_name = init_spec.preset if init_spec else "pi0"
        lr = PRESETS[preset_name].finetune_lr if preset_name in PRESETS else 1e-4
    else:
        preset = get_preset(config.preset)
        tokenizer = make_tokenizer(preset.tokenizer)
        model = build_model(preset, tokenizer.vocab_size, seed=config.seed)
        init_spec, preset_name, budget = None, preset.name, preset.token_budget
        adapter = convention_name(config.convention)
        lr = preset.scratch_lr
    dataset = EpisodeDataset(
        paths,
        chunk_size=model.config.chunk_size,
        cameras=config.cameras,
        prompt=config.prompt,
        object_poses=config.needs_objects,
        camera_map=config.camera_map,
    )
    _check_prompts(dataset)
    if config.teach_as:
        check_named(parse_teach_as(config.teach_as), list(dataset.prompts[: len(new)]))
    _check_dims(dataset, model, init_spec, config.init)
    log.info("%d episodes, %d samples, cameras %s", len(paths), len(dataset), dataset.cameras)
    pools = _pools(dataset, [len(new), *map(len, rehearsed)], config) if rehearsed else None
    spec = PolicySpec(
        preset=preset_name,
        cameras=dataset.cameras,
        state_dim=dataset.state_dim,
        action_dim=dataset.action_dim,
        image_size=model.config.vlm_config.vision_config.image_size,
        token_budget=budget,
        chunk_size=model.config.chunk_size,
        max_dim=model.config.max_action_dim,
        tokenizer=tokenizer.kind,
        stats=_stats(
            config,
            init_spec,
            new,
            paths,
            lambda refs: convention_stats(refs, make_adapter(adapter), model.config.chunk_size),
        ),
        adapter=adapter,
        camera_size=_camera_size(dataset),
        crops=_crops(config, init_spec),
        # the starting checkpoint's colour map stays in front of the tower (pi0_core.colour_map)
        colour_map=None if init_spec is None else init_spec.colour_map,
    )
    objects = None
    if config.needs_objects:
        objects = ObjectTargets.from_poses(list(dataset.object_poses.values()))
        log.info("object positions of %s", ", ".join(objects.names))
    if config.named_loss > 0:
        _check_named(dataset, objects)
    if config.hold_probes and config.object_loss > 0:
        _check_held_objects(dataset, len(new))
    network = model.float().train()
    return RunParts(network, tokenizer, spec, dataset, config.lr or lr, objects, pools)


def _pools(dataset: EpisodeDataset, episodes: list[int], config: TrainConfig) -> list[Pool]:
    """The dataset's index ranges of the new data and of each rehearsed group of episodes."""
    lengths, sizes, first = dataset.episode_lengths, [], 0
    for count in episodes:
        sizes.append(sum(lengths[first : first + count]))
        first += count
    fractions = [r.fraction for r in check_rehearsals(config.rehearse)]
    pools = batch_pools(sizes, fractions, config.batch_size)
    shares = ", ".join(
        f"{', '.join(Path(path).name for path in r.paths)} ({n} episodes, {p.per_batch} per batch)"
        for r, n, p in zip(check_rehearsals(config.rehearse), episodes[1:], pools[1:], strict=True)
    )
    log.info("rehearsing %s; the new data %d per batch", shares, pools[0].per_batch)
    return pools


def _stats(
    config: TrainConfig,
    init_spec: PolicySpec | None,
    new: list,
    paths: list,
    compute_norm_stats: Callable[[list], NormStats],
) -> NormStats:
    """The run's normalisation: with --init, the checkpoint's (by default), the data's (all
    episodes trained on, rehearsed ones too, in the run's joint convention) or both; the log
    line compares the new data."""
    data = compute_norm_stats(paths)
    if config.init is None:
        return data
    checkpoint = init_spec.stats if init_spec else None
    if checkpoint is None:
        log.info("%s has no normalisation statistics: using the data's", config.init)
    else:
        fresh = data if len(new) == len(paths) else compute_norm_stats(new)
        log.info(outside_line(checkpoint, fresh, layout.JOINT_NAMES, config.stats))
    return choose_stats(config.stats, checkpoint, data)


def _check_held_objects(dataset: EpisodeDataset, new_episodes: int) -> None:
    """Refuse --hold-probes with --object-loss when the new data has an object the rehearsed
    data lacks: the held probe never learned to read it, so its loss would pull at random."""
    seen: list[set[str]] = [set(), set()]  # the new data's objects, the rehearsed data's
    for episode, (names, _) in dataset.object_poses.items():
        seen[episode >= new_episodes].update(names)
    unseen = sorted(seen[0] - seen[1])
    if unseen:
        raise ValueError(
            f"--hold-probes with --object-loss: the rehearsed data has no {', '.join(unseen)}, "
            "so the held object probe cannot read it; drop --object-loss (the --named-loss "
            "probe reads whichever object the prompt names)"
        )


def _check_named(dataset: EpisodeDataset, objects: ObjectTargets) -> None:
    """Refuse --named-loss when no episode's prompt names one of its objects."""
    named = sum(
        named_object(prompt, dataset.object_poses[episode][0]) is not None
        for episode, prompt in enumerate(dataset.prompts)
    )
    if not named:
        raise ValueError(
            "--named-loss: no episode's prompt names one of its objects by colour "
            f"(the objects: {', '.join(objects.names)})"
        )
    log.info("named-object loss on %d of %d episodes", named, len(dataset.prompts))


def _from_checkpoint(path: Path, tokenizer: str | None, convention: str | None):
    """Network (strict, any layout), tokenizer, our spec if any, convention and token budget."""
    folder = read_folder(path)
    where = f"--init {path} ({folder.layout} layout)"
    check_supported(folder, where)
    model = load_network(folder.config, folder.rules, folder.tensors)
    source = tokenizer or folder.tokenizer
    if source is None:
        raise MissingInputError(f"{where} has no tokenizer: give {TOKENIZER_OPTION}")
    if source == folder.tokenizer and folder.spec is not None and Path(source).is_dir():
        prompt_tokenizer = load_tokenizer(Path(source), folder.spec.tokenizer)
    else:
        prompt_tokenizer = open_tokenizer(source)
    convention = convention_name(convention) if convention else folder.convention
    if convention is None:
        raise MissingInputError(f"{where} does not say its joint convention: give --convention")
    return model, prompt_tokenizer, folder.spec, convention, folder.token_budget


def _check_prompts(dataset: EpisodeDataset) -> None:
    for path, prompt in zip(dataset.episode_paths, dataset.prompts, strict=True):
        if not prompt:
            raise ValueError(f"{path} has no prompt: add prompt.txt to its folder or pass --prompt")


def _check_dims(dataset, model, init_spec: PolicySpec | None, init: str | None) -> None:
    limit = model.config.max_action_dim
    if max(dataset.state_dim, dataset.action_dim) > limit:
        raise ValueError(
            f"the data has state/action sizes {dataset.state_dim}/{dataset.action_dim}; "
            f"the model takes at most {limit}"
        )
    if init_spec and (init_spec.state_dim, init_spec.action_dim) != (
        dataset.state_dim,
        dataset.action_dim,
    ):
        raise ValueError(
            f"the data has state/action sizes {dataset.state_dim}/{dataset.action_dim} but "
            f"{init} was trained with {init_spec.state_dim}/{init_spec.action_dim}"
        )


def _crops(config: TrainConfig, init_spec: PolicySpec | None):
    """The config's crops, else those the initial checkpoint was trained with."""
    if config.crops is not None:
        return config.crops
    return init_spec.crops if init_spec else None


def _camera_size(dataset: EpisodeDataset) -> tuple[int, int]:
    """(height, width) of the first camera's images, which a simulator should render at."""
    image = dataset[0]["images"][dataset.cameras[0]]
    return int(image.shape[0]), int(image.shape[1])
