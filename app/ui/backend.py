"""The one place the UI reaches into the runtime and the policy; wiring changes stay here."""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROBOT_KINDS = ("sim", "virtual", "aloha")


@dataclass(frozen=True)
class RobotChoice:
    """Which robot the app drives."""

    kind: str = "sim"  # "sim", "virtual" (virtual Dynamixel bus) or "aloha" (real arms)
    task: str = "pick_color"  # simulator task, for "sim" and "virtual"
    config: str | None = None  # TOML robot config, for "aloha"
    allow_uncalibrated: bool = False  # policy mode on real arms without calibration files

    def __post_init__(self) -> None:
        if self.kind not in ROBOT_KINDS:
            raise ValueError(f"unknown robot kind {self.kind!r}; choose one of {ROBOT_KINDS}")

    def describe(self) -> str:
        """A short label for the toolbar, e.g. "simulator · pick_color"."""
        if self.kind == "aloha":
            return f"ALOHA · {Path(self.config).name if self.config else 'default config'}"
        label = "simulator" if self.kind == "sim" else "virtual bus"
        return f"{label} · {self.task}"


@dataclass(frozen=True)
class PolicyInfo:
    """What the Operate tab shows about the loaded policy."""

    name: str
    path: str
    model_card: str  # README.md of the checkpoint, or ""
    cameras: tuple[str, ...]
    layout: str = "pi0studio"  # the checkpoint layout it was loaded from (pi0_core.layouts)
    parameters: int = 0  # weights in the network (0: unknown)


def missing_module(name: str) -> str | None:
    """A one-line reason when module `name` is not importable (a part not landed yet)."""
    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"{name} is not available in this installation"


def open_session(choice: RobotChoice) -> Any:
    """Build the robot, wrap it in a started RobotSession. Blocking: not on the GUI thread."""
    from app.runtime.robots import make_robot
    from app.runtime.session import RobotSession

    leader = "expert" if choice.kind == "sim" else None  # the Record tab may switch it
    robot = make_robot(choice.kind, task=choice.task, config=choice.config, leader=leader)
    session = RobotSession(robot, allow_uncalibrated=choice.allow_uncalibrated)
    try:
        session.start()
    except Exception:
        robot.disconnect()
        raise
    return session


def safety_envelope(session: Any) -> tuple[str, list[dict]]:
    """A one-line summary of the session's safety settings and the envelope's rows."""
    from app.runtime.envelope import envelope_for

    config = session.safety.config
    summary = (
        f"Every command is held to these ranges and speeds. Watchdog {config.watchdog_s:g} s, "
        f"e-stop: {config.estop_action.replace('_', ' ')}; the policy stops when it asks "
        f"outside the ranges for {config.out_of_range_ticks} ticks."
    )
    return summary, envelope_for(session.robot).rows()


def played_leaders(session: Any) -> Any:
    """The simulator's played leader arms of a session (`PlayedLeaders`), or None."""
    from app.runtime.robots import played_leaders as of_robot

    return of_robot(session.robot) if session is not None else None


def keyboard_help() -> str:
    """The keys of keyboard teleoperation in the simulator ("" without the simulator)."""
    if missing_module("drivers.sim.keyboard"):
        return ""
    from drivers.sim.keyboard import HELP

    return HELP


def reset_scene(session: Any, new: bool) -> int:
    """Simulator: stop the arms and put the scene back as its seed drew it, or draw the next
    seed's (`new`); the seed. Raises on other robots."""
    from app.runtime.snapshot import Mode

    sim = session.robot.physics
    if sim is None or not hasattr(sim, "reset"):
        raise RuntimeError("only the simulator can reset its scene")
    seed = sim.seed + 1 if new else sim.seed
    session.set_mode(Mode.IDLE)
    session.reset_scene(seed)
    return seed


def default_prompt(session: Any) -> str:
    """The simulator's prompt for its current scene, or "" on hardware."""
    from app.runtime.robots import simulator_of

    return str(getattr(simulator_of(session.robot), "prompt", "") or "")


def close_session(session: Any) -> None:
    """Stop the session's threads and make the followers safe. Blocking."""
    session.stop()


@dataclass(frozen=True)
class FinetuneDefaults:
    """What `main.py train --init` does unless told: the Fine-tune tab shows these."""

    steps: int
    batch_size: int
    rehearse: float  # share of each batch rehearsing the starting checkpoint's data
    stats: str  # whose normalisation statistics


def finetune_defaults() -> FinetuneDefaults:
    """The trainer's fine-tuning defaults (pi0_core.train.finetune_defaults, no torch)."""
    from pi0_core.train import finetune_defaults as defaults

    return FinetuneDefaults(
        defaults.STEPS, defaults.BATCH_SIZE, defaults.REHEARSE_FRACTION, defaults.STATS
    )


def default_lr(preset: str, from_checkpoint: bool) -> float:
    """The trainer's default peak learning rate for a network of `preset`."""
    from pi0_core.presets import get_preset

    model = get_preset(preset)
    return model.finetune_lr if from_checkpoint else model.scratch_lr


def bundled_checkpoint() -> Path | None:
    """The checkpoint shipped with the app, or None when it is not there."""
    if missing_module("pi0_core.bundled"):
        return None
    from pi0_core.bundled import BUNDLED_CHECKPOINT

    return BUNDLED_CHECKPOINT if Path(BUNDLED_CHECKPOINT).is_dir() else None


def load_policy(path: str | Path, compile: bool = False, **options: Any) -> tuple[Any, PolicyInfo]:
    """Load a checkpoint folder of any layout (compiled if asked; `options`: what a foreign folder
    lacks, as Policy.load takes them). Blocking: off the GUI thread."""
    from pi0_core.policy import Policy

    policy = Policy.load(path, compile=compile, **options)
    info = PolicyInfo(
        name=policy_name(Path(path), str(getattr(policy, "name", "") or Path(path).name)),
        path=str(path),
        model_card=str(getattr(policy, "model_card", "") or ""),
        cameras=tuple(getattr(policy, "cameras", ())),
        layout=str(getattr(policy, "layout", "pi0studio")),
        parameters=sum(p.numel() for p in policy.model.parameters()),
    )
    log.info("loaded policy %s from %s (%s layout)", info.name, path, info.layout)
    return policy, info


def policy_name(path: Path, name: str) -> str:
    """A training run's checkpoint is named with its run: "finetune-1/final", "run/step_300"."""
    if path.name == "final":
        return f"{path.parent.name}/{name}"
    if path.parent.name == "checkpoints" and path.name.startswith("step_"):
        return f"{path.parent.parent.name}/{name}"
    return name


@dataclass(frozen=True)
class RecordPlan:
    """What the Record tab asks the session's recorder for."""

    folder: str  # where episode_<N>.hdf5 files go
    prompt: str  # stored with every episode
    episodes: int  # how many to record back to back
    episode_s: float  # length of one episode
    reset_s: float  # pause between episodes to put the scene back
    squeeze_to_start: bool = False  # wait for both leader grippers to be squeezed (ALOHA)
    lerobot: bool = False  # save into a LeRobot v3.0 folder, encoded after each episode

    def __post_init__(self) -> None:
        if not self.folder:
            raise ValueError("choose a dataset folder first")
        if not self.prompt:
            raise ValueError("type the prompt for these episodes first")
        if self.episodes < 1 or self.episode_s <= 0 or self.reset_s < 0:
            raise ValueError("episode count and length must be positive")


def lerobot_sink(current: Any, recorder: Any, plan: RecordPlan) -> Any:
    """The LeRobot sink the plan needs (`current` when it already serves its folder), or None."""
    from app.runtime.lerobot_sink import LeRobotSink

    if not plan.lerobot:
        return None
    if current is not None and current.folder == Path(plan.folder).expanduser():
        return current
    return LeRobotSink(Path(plan.folder).expanduser(), recorder.config.fps, recorder.events)


def start_recording(recorder: Any, plan: RecordPlan, sink: Any = None) -> None:
    """Point the recorder at the folder (a LeRobot sink's staging folder when given) and start
    the planned episodes."""
    # The recorder reads its config on every episode; while idle it may be swapped for one
    # with this plan's pause and start condition (the recorder has no setter for them).
    recorder.config = replace(
        recorder.config, reset_seconds=plan.reset_s, squeeze_to_start=plan.squeeze_to_start
    )
    recorder.set_folder(sink.staging if sink is not None else plan.folder)
    recorder.start_episodes(plan.prompt, plan.episodes, plan.episode_s)


EXPERT_DEMO_SIZE = (240, 320)  # the bundled policy's training images (its model card)


def expert_demos(task: str, episodes: int, folder: str | Path) -> int:
    """Write `episodes` scripted-expert demonstrations of a simulated task into `folder` (JPEG,
    with the objects' poses, as `main.py demos`); seeds continue after the folder's episodes.
    Returns how many it wrote."""
    from drivers.sim.demos import generate_episodes

    folder = Path(folder)
    first_seed = len(list(folder.glob("episode_*.hdf5"))) if folder.is_dir() else 0
    summary = generate_episodes(
        task, episodes, folder, seed=first_seed, size=EXPERT_DEMO_SIZE, compress=True
    )
    return len(summary.written)


def sim_tasks() -> tuple[str, ...]:
    """Names of the simulated tasks (empty when the simulator is not installed)."""
    if missing_module("drivers.sim.tasks"):
        return ()
    from drivers.sim.tasks import TASKS

    return tuple(TASKS)


def task_prompts(task: str) -> tuple[str, ...]:
    """Example prompts of a simulated task, canonical first ("" when unknown)."""
    if missing_module("drivers.sim.tasks"):
        return ()
    from drivers.sim.tasks import TASKS

    found = TASKS.get(task)
    return found.all_prompts() if found is not None else ()
