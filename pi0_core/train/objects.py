"""Auxiliary losses that teach the network where the scene's objects are.

Simulated demonstrations store every object's pose (`/observations/env_state`). During
training, probes read the network's tokens and predict positions from them; their squared
errors, weighted, are added to the flow-matching loss:

- `--object-loss`: every object's position, from the image tokens that the language model
  and the action expert see (what the cameras show);
- `--named-loss`: the position of the one object the prompt names ("the red cube"), from
  the language model's output at the image tokens, where the image has attended to the
  prompt (which object the prompt means).

The probes are dropped from checkpoints: at inference the policy sees only images, state
and prompt, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

PROBE = "object_probe"  # attribute of the network holding the probe while it trains
NAMED_PROBE = "named_probe"  # the same for the probe of the named object
_MIN_STD = 1e-3  # metres: an object that never moves is not scaled up into noise


@dataclass(frozen=True)
class ObjectTargets:
    """Object slots (names) and the scale of their positions, to build normalised targets."""

    names: tuple[str, ...]  # every object of the data, one slot each
    mean: np.ndarray  # (slots, 3) metres
    std: np.ndarray  # (slots, 3) metres

    @classmethod
    def from_poses(cls, episodes: Sequence[tuple[Sequence[str], np.ndarray]]) -> ObjectTargets:
        """Slots and scales from each episode's (names, poses (T, objects, 7))."""
        names = sorted({name for episode_names, _ in episodes for name in episode_names})
        if not names:
            raise ValueError("the episodes name no objects")
        positions: dict[str, list[np.ndarray]] = {name: [] for name in names}
        for episode_names, poses in episodes:
            for k, name in enumerate(episode_names):
                positions[name].append(poses[:, k, :3])
        stacked = [np.concatenate(positions[name]) for name in names]
        mean = np.stack([p.mean(axis=0) for p in stacked]).astype(np.float32)
        std = np.stack([np.maximum(p.std(axis=0), _MIN_STD) for p in stacked]).astype(np.float32)
        return cls(tuple(names), mean, std)

    def encode(self, poses: dict[str, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised positions (slots * 3,) and which of them the sample has (slots * 3,)."""
        target = np.zeros((len(self.names), 3), dtype=np.float32)
        present = np.zeros((len(self.names), 3), dtype=bool)
        for slot, name in enumerate(self.names):
            if name in poses:
                target[slot] = (np.asarray(poses[name])[:3] - self.mean[slot]) / self.std[slot]
                present[slot] = True
        return torch.from_numpy(target.reshape(-1)), torch.from_numpy(present.reshape(-1))

    def encode_named(
        self, poses: dict[str, np.ndarray], prompt: str
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised position (3,) of the object of `poses` that `prompt` names, and whether
        there is one (3,)."""
        name = named_object(prompt, poses)
        if name is None:
            return torch.zeros(3), torch.zeros(3, dtype=torch.bool)
        slot = self.names.index(name)
        target = (np.asarray(poses[name])[:3] - self.mean[slot]) / self.std[slot]
        return torch.from_numpy(target.astype(np.float32)), torch.ones(3, dtype=torch.bool)


def named_object(prompt: str, names: Iterable[str]) -> str | None:
    """The one object of `names` whose name's first word is a word of `prompt`, else None.

    Simulator objects are named colour first ("red_cube_joint"), so "grab the red cube"
    names the red cube of a scene; a prompt naming no object's colour, or several ("the
    red peg into the blue socket"), names none.
    """
    words = set(prompt.lower().replace(",", " ").replace(".", " ").split())
    found = [name for name in names if name.split("_")[0].lower() in words]
    return found[0] if len(found) == 1 else None


class ObjectProbe(torch.nn.Module):
    """Image tokens of every camera -> object positions, read the way attention reads them.

    For each object, every token gets a score and a position guess, both linear in the token
    and shared by all tokens; the answer is the softmax-weighted mean of the guesses. A token
    must therefore say by itself where its object is (a linear map of the flattened tokens
    could instead learn one weight per token index, which the action expert's attention
    cannot reuse).
    """

    def __init__(self, width: int, objects: int) -> None:
        super().__init__()
        self.objects = objects
        self.where = torch.nn.Linear(width, objects)  # score of each token, per object
        self.what = torch.nn.Linear(width, objects * 3)  # position guess of each token
        self.tokens: torch.Tensor | None = None  # tokens captured in the last training forward
        self.hooked = ""  # the network's submodule whose output the probe captures
        self.hook_id: int | None = None  # the capturing hook's key on that submodule

    def forward(self, batch_size: int) -> torch.Tensor:
        """Predict (batch, objects * 3) from the image tokens captured in the last forward."""
        if self.tokens is None:
            raise RuntimeError("the object probe saw no image tokens in this step")
        tokens, self.tokens = self.tokens, None  # (batch [* cameras], tokens, width)
        tokens = tokens.reshape(batch_size, -1, tokens.shape[-1]).float()  # every camera
        weights = self.where(tokens).softmax(dim=1)  # (batch, tokens, objects)
        guesses = self.what(tokens).unflatten(-1, (self.objects, 3))  # (batch, tokens, obj, 3)
        return torch.einsum("bno,bnok->bok", weights, guesses).flatten(1)


def attach_probe(network: torch.nn.Module, targets: ObjectTargets, seed: int) -> ObjectProbe:
    """Add a probe of every object (initialised from `seed`) to a PI0ForConditionalGeneration
    and have it capture the image tokens."""
    projector = network.model.vlm.multi_modal_projector
    probe = _probe(projector.linear.out_features, len(targets.names), seed)
    setattr(network, PROBE, probe)
    _hook(network, probe, "model.vlm.multi_modal_projector", lambda output: output)
    return probe


def attach_named_probe(network: torch.nn.Module, image_tokens: int, seed: int) -> ObjectProbe:
    """Add a probe of the named object (initialised from `seed`) that captures the language
    model's output at the `image_tokens` image positions, which come first in the prefix."""
    language_model = network.model.vlm.language_model
    probe = _probe(language_model.config.hidden_size, 1, seed + 1)
    setattr(network, NAMED_PROBE, probe)
    _hook(
        network,
        probe,
        "model.vlm.language_model",
        lambda output: output.last_hidden_state[:, :image_tokens],
    )
    return probe


def _probe(width: int, objects: int, seed: int) -> ObjectProbe:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ObjectProbe(width, objects)


def _hook(
    network: torch.nn.Module,
    probe: ObjectProbe,
    name: str,
    tokens_of: Callable[[object], torch.Tensor],
) -> None:
    """Give `probe` the tokens `tokens_of` finds in the output of submodule `name`, in
    training forwards only (not when sampling in evaluations)."""

    def hook(_module: torch.nn.Module, _inputs: object, output: object) -> None:
        if torch.is_grad_enabled():
            probe.tokens = tokens_of(output)

    probe.hooked = name
    probe.hook_id = network.get_submodule(name).register_forward_hook(hook).id


def detach_probe(network: torch.nn.Module) -> torch.nn.Module:
    """The network as saved in checkpoints: no probes, no capturing hooks.

    Works on deep copies too (which carry the hooks under the same keys), unlike the handles.
    """
    for attribute in (PROBE, NAMED_PROBE):
        probe = getattr(network, attribute, None)
        if probe is not None:
            delattr(network, attribute)
            network.get_submodule(probe.hooked)._forward_hooks.pop(probe.hook_id, None)
    return network


def object_loss(
    probe: ObjectProbe, batch_size: int, target: torch.Tensor, present: torch.Tensor
) -> torch.Tensor:
    """Mean squared error of the predicted normalised positions the samples have."""
    error = (probe(batch_size) - target.float()).pow(2)
    mask = present.float()
    return (error * mask).sum() / mask.sum().clamp(min=1.0)
