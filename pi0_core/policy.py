"""The π0 policy: observation dicts in, un-normalised action chunks out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PI0ForConditionalGeneration

from pi0_core import checkpoint
from pi0_core.adapters import make_adapter
from pi0_core.colour_map import ColourMap, load_colour_map
from pi0_core.fast import FastOptions, default_options, fast_sample_actions
from pi0_core.fast.guidance import Guidance, GuidanceConfig, soft_mask
from pi0_core.layouts import read_folder
from pi0_core.layouts.resolve import DEFAULT_CAMERAS, resolve
from pi0_core.model import image_token_id, tokens_per_image
from pi0_core.network import load_network
from pi0_core.phrasing import PromptPhrasing
from pi0_core.spec import PolicySpec
from pi0_core.threads import cpu_threads
from pi0_core.tokenizer import PromptTokenizer
from pi0_core.transforms import (
    Normalize,
    PadToDim,
    PrepareImages,
    TokenizePrompt,
    Unnormalize,
    collate,
    compose,
    model_inputs,
)

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_CAMERAS", "Policy"]


class Policy:
    """A network, its tokenizer and its policy.json, with the transforms between them."""

    def __init__(
        self,
        model: PI0ForConditionalGeneration,
        tokenizer: PromptTokenizer,
        spec: PolicySpec,
        name: str = "policy",
        model_card: str = "",
        colour_map: ColourMap | None = None,
    ) -> None:
        if (colour_map is None) != (spec.colour_map is None):
            raise ValueError(
                "policy.json names a colour map and none was loaded"
                if colour_map is None
                else "a colour map was given for a policy.json that names none"
            )
        self.model = model.eval()
        # seen through before the vision tower (`train --teach-colour-map`); None: none
        self.colour_map = (
            None
            if colour_map is None
            else colour_map.to(next(model.parameters()).device).requires_grad_(False).eval()
        )
        self.tokenizer = tokenizer
        self.spec = spec
        self.name = name
        self.model_card = model_card
        self.use_fast_sampler = True  # pi0_core.fast; False: transformers' stock loop
        self.fast_options: FastOptions | None = None  # None: the fastest exact choice per device
        self.guidance = GuidanceConfig()  # real-time chunking's β and variant, when given a prefix
        self.adapter = make_adapter(spec.adapter)
        # A prompt in the user's words said as trained (None: as typed; `--prompt-as-typed`).
        self.phrasing = PromptPhrasing.from_card(model_card)
        stats = spec.stats
        self.input_transform = compose(
            [
                PrepareImages(spec.cameras, spec.image_size, spec.crops),
                Normalize("state", stats.state_mean, stats.state_std, spec.std_floor, spec.std_eps),
                PadToDim("state", spec.max_dim),
                TokenizePrompt(
                    tokenizer,
                    spec.token_budget,
                    tokens_per_image=tokens_per_image(model),
                    image_token_id=image_token_id(model),
                ),
            ]
        )
        self.unnormalize_actions = Unnormalize(
            "actions", stats.action_mean, stats.action_std, spec.std_floor, spec.std_eps
        )
        self.layout = "pi0studio"  # the layout it was loaded from
        self.normalize_actions = Normalize(
            "actions", stats.action_mean, stats.action_std, spec.std_floor, spec.std_eps
        )

    cameras = property(lambda self: self.spec.cameras, doc="camera names, in model order")
    state_dim = property(lambda self: self.spec.state_dim, doc="robot state width")
    action_dim = property(lambda self: self.spec.action_dim, doc="action width")
    chunk_size = property(lambda self: self.spec.chunk_size, doc="actions per chunk")
    image_size = property(lambda self: self.spec.image_size, doc="vision input side, pixels")
    camera_size = property(
        lambda self: self.spec.camera_size, doc="(height, width) of the training images, or None"
    )

    @property
    def device(self) -> torch.device:
        """Where the network's weights are."""
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        """The network's floating point type."""
        return next(self.model.parameters()).dtype

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        norm_stats: object = None,
        tokenizer: object = None,
        convention: str | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype | None = None,
        cameras: Sequence[str] | None = None,
        compile: bool = False,
        phrasing: bool = True,
    ) -> Policy:
        """Load a checkpoint folder in any layout (pi0_core.layouts), strictly.

        norm_stats, tokenizer, convention: what the folder lacks, or overrides of what it has
        (the --norm-stats, --tokenizer and --convention options). compile: torch.compile the
        sampler and compile it now, on a blank observation (the GPU default compiles anyway;
        on CPU it costs tens of seconds the first time on a machine, then runs faster).
        phrasing: False gives the network every prompt as typed (`--prompt-as-typed`).
        """
        path = Path(path)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if dtype is None:
            dtype = torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32
        if torch.device(device).type == "cpu":
            torch.set_num_threads(cpu_threads())
            log.info("CPU inference on %d torch thread(s)", torch.get_num_threads())
        folder = read_folder(path)
        spec, prompt_tokenizer = resolve(
            folder, norm_stats, tokenizer, convention, tuple(cameras) if cameras else None
        )
        model = load_network(folder.config, folder.rules, folder.tensors, device, dtype)
        card = checkpoint.read_model_card(path) if folder.layout == "pi0studio" else ""
        colour_map = None if spec.colour_map is None else load_colour_map(path, spec.colour_map)
        policy = cls(
            model, prompt_tokenizer, spec, name=path.name, model_card=card, colour_map=colour_map
        )
        policy.layout = folder.layout
        if not phrasing:
            policy.phrasing = None
        log.info(
            "policy %s: %s layout, convention %s, stats from %s",
            path.name,
            folder.layout,
            spec.adapter,
            "the given source" if norm_stats is not None else folder.stats.source,
        )
        if compile:
            policy.enable_compile()
        return policy

    def enable_compile(self, backend: str = "inductor") -> None:
        """Run the sampler compiled from now on, compiling it before this returns.

        Prompt padding is kept so that every prompt gives the same shapes (one compilation).
        """
        options = self.fast_options or default_options(self.device)
        self.fast_options = options.with_changes(
            compile=True, trim_padding=False, compile_backend=backend
        )
        log.info("compiling the π0 sampler (slow the first time on a machine)")
        self.infer(self.blank_observation())

    def blank_observation(self) -> dict:
        """An observation of the right shapes (black images, zero state, a short prompt)."""
        height, width = self.spec.camera_size or (self.spec.image_size, self.spec.image_size)
        return {
            "state": np.zeros(self.spec.state_dim, np.float32),
            "images": {name: np.zeros((height, width, 3), np.uint8) for name in self.cameras},
            "prompt": "warm up",
        }

    def save(self, directory: str | Path, model_card: str | None = None) -> Path:
        """Write this policy as a checkpoint directory."""
        card = self.model_card if model_card is None else model_card
        return checkpoint.save_checkpoint(
            Path(directory), self.model, self.tokenizer, self.spec, card, self.colour_map
        )

    def prepare(self, observations: Sequence[dict]) -> dict[str, torch.Tensor]:
        """Model keyword arguments for a batch of observations, on the model's device."""
        inputs, _ = self.prepare_with_states(observations)
        return inputs

    def prepare_with_states(
        self, observations: Sequence[dict]
    ) -> tuple[dict[str, torch.Tensor], np.ndarray]:
        """`prepare`, plus the (B, state_dim) states in the network's convention, unnormalised
        (what a delta convention adds its actions to)."""
        converted = [self.adapter.observation(self.phrased(obs)) for obs in observations]
        states = np.stack([np.asarray(obs["state"], dtype=np.float32) for obs in converted])
        samples = [self.input_transform(obs) for obs in converted]
        inputs = model_inputs(collate(samples))
        if self.colour_map is not None:
            with torch.no_grad():
                inputs["pixel_values"] = self.colour_map(inputs["pixel_values"].to(self.device))
        dtype = self.dtype
        moved = {
            key: value.to(self.device, dtype if value.is_floating_point() else None)
            for key, value in inputs.items()
        }
        return moved, states

    def told(self, prompt: str) -> str:
        """The prompt the network is given for `prompt` (see `pi0_core.phrasing`)."""
        return prompt if self.phrasing is None else self.phrasing(prompt)

    def phrased(self, obs: dict) -> dict:
        """`obs` with its prompt as the network is told it."""
        prompt = obs.get("prompt")
        if self.phrasing is None or not isinstance(prompt, str):
            return obs
        return {**obs, "prompt": self.phrasing(prompt)}

    def sample_chunk(
        self,
        inputs: dict[str, torch.Tensor],
        noise: torch.Tensor,
        guidance: Guidance | None = None,
    ) -> torch.Tensor:
        """Denoise `noise` (B, chunk, max_dim) into normalised, padded action chunks.

        The fast sampler returns what stock `sample_actions` returns (to float32 rounding) with
        less work per chunk; `use_fast_sampler = False` runs the stock loop. Guided sampling
        (real-time chunking) runs only in the fast sampler.
        """
        if self.use_fast_sampler:
            extra = {} if guidance is None else {"guidance": guidance}
            return fast_sample_actions(
                self.model, **inputs, noise=noise, options=self.fast_options, **extra
            )
        if guidance is not None:
            raise ValueError("guided sampling (a prefix) needs the fast sampler")
        return self.model.sample_actions(**inputs, noise=noise)

    def guidance_for(
        self,
        prefixes: Sequence[np.ndarray | None],
        delays: Sequence[int],
        config: GuidanceConfig | None = None,
        states: np.ndarray | None = None,
    ) -> Guidance | None:
        """The sampler's target and soft mask for each row's prefix (robot units), or None.

        A row's prefix is the previous chunk's actions from the new chunk's first tick on; its
        first `delay` actions run anyway while the new chunk is computed. `states`: (B, D) the
        rows' states in the network's convention, which a delta convention's targets are taken
        relative to (the new chunk is predicted from them, not from the old chunk's state).
        """
        spec = self.spec
        shape = (len(prefixes), spec.chunk_size, spec.max_dim)
        target, weights = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        for row, (prefix, delay) in enumerate(zip(prefixes, delays, strict=True)):
            if int(delay) < 0:
                raise ValueError(f"delay must be >= 0 ticks, got {delay}")
            if prefix is None or len(prefix) == 0:
                continue
            prefix = np.asarray(prefix, np.float32)[: spec.chunk_size]
            if prefix.ndim != 2 or prefix.shape[1] != spec.action_dim:
                raise ValueError(
                    f"prefix has shape {prefix.shape}, expected (K, {spec.action_dim})"
                )
            state = None if states is None else states[row]
            model_actions = self.adapter.training_actions(prefix, state)
            normalised = self.normalize_actions({"actions": model_actions})["actions"]
            target[row, : len(prefix), : spec.action_dim] = normalised
            mask = soft_mask(len(prefix), int(delay), spec.chunk_size)
            weights[row, :, : spec.action_dim] = mask[:, None]
        if not weights.any():
            return None  # nothing to guide toward: exactly the unguided sampler
        return Guidance(
            torch.from_numpy(target), torch.from_numpy(weights), config or self.guidance
        )

    @torch.no_grad()
    def infer_batch(
        self,
        observations: Sequence[dict],
        noise: object = None,
        prefix: Sequence[np.ndarray | None] | None = None,
        delay: int | Sequence[int] = 0,
        guidance: GuidanceConfig | None = None,
    ) -> np.ndarray:
        """(B, chunk_size, action_dim) actions for a list of observations.

        prefix: per row, the previous chunk's actions still ahead (robot units) or None;
        delay: ticks (per row, or one for all) before the new chunk starts. Without a prefix
        the result is the unguided sampler's, exactly.
        """
        if prefix is not None and len(prefix) != len(observations):
            raise ValueError(f"{len(prefix)} prefixes for {len(observations)} observations")
        inputs, states = self.prepare_with_states(observations)
        guided = None
        if prefix is not None:
            delays = [delay] * len(prefix) if isinstance(delay, int | np.integer) else delay
            guided = self.guidance_for(prefix, list(delays), guidance, states)
        shape = (len(observations), self.spec.chunk_size, self.spec.max_dim)
        if noise is None:
            noise = torch.randn(shape, device=self.device, dtype=self.dtype)
        noise = torch.as_tensor(noise).to(self.device, self.dtype)
        if tuple(noise.shape) != shape:
            raise ValueError(f"noise has shape {tuple(noise.shape)}, expected {shape}")
        padded = self.sample_chunk(inputs, noise, guided)
        actions = padded[..., : self.spec.action_dim].float().cpu().numpy()
        actions = self.unnormalize_actions({"actions": actions})["actions"]
        return self.adapter.actions(actions, states)

    def infer(
        self,
        obs: dict,
        noise: object = None,
        prefix: np.ndarray | None = None,
        delay: int = 0,
        guidance: GuidanceConfig | None = None,
    ) -> np.ndarray:
        """(chunk_size, action_dim) actions for one observation; noise is (chunk, max_dim).

        prefix (K, action_dim): the previous chunk's actions from this chunk's first tick on;
        delay: ticks that pass before this chunk starts (real-time chunking, `infer_batch`).
        """
        if noise is not None:
            noise = torch.as_tensor(noise)[None]
        prefixes = None if prefix is None else [prefix]
        return self.infer_batch([obs], noise, prefixes, delay, guidance)[0]
