"""Fast π0 sampling: same inputs and actions as transformers' `sample_actions`, less work."""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from pi0_core.fast import masks
from pi0_core.fast.compile import maybe_compile
from pi0_core.fast.cuda_graph import CapturedChunk, clone_tree, copy_tree, tree_signature
from pi0_core.fast.fused import FusedWeights, fused_rope, fused_velocity
from pi0_core.fast.geometry import ChunkGeometry, build_geometry
from pi0_core.fast.guidance import Guidance, guided_velocity
from pi0_core.fast.options import FastOptions, default_options
from pi0_core.fast.parts import Pi0Parts, UnsupportedModelError, weights_stamp
from pi0_core.fast.passes import KV, encode_prefix, encode_state, velocity
from pi0_core.fast.pullback import supports_pullback, velocity_with_pullback

log = logging.getLogger(__name__)

_MAX_CACHED_SHAPES = 8  # distinct (batch, prompt length, ...) combinations kept warm


@dataclass(frozen=True)
class ChunkInputs:
    """The device tensors one chunk is computed from (a CUDA graph's static inputs)."""

    input_ids: torch.Tensor  # (B, P), padding left out when trimmed
    pixel_values: torch.Tensor  # (B, cameras, 3, H, W)
    pixel_attention_mask: torch.Tensor  # (B, cameras)
    state: torch.Tensor  # (B, max_state_dim)
    noise: torch.Tensor  # (B, chunk, max_action_dim), x at t = 1
    geometry: ChunkGeometry


@dataclass
class _Workspace:
    """Buffers reused by every chunk of one shape."""

    kv: KV  # (layers, B, kv_heads, P + 1 + chunk, D) keys and values
    graph: CapturedChunk | None = None
    graph_key: tuple | None = None  # what the graph was captured for
    static: ChunkInputs | None = None  # the graph's inputs, refreshed before each replay


class FastSampler:
    """Samples π0 action chunks for one model; caches buffers, time tables and compiled graphs.

    One call at a time (a lock guards it); the weights stay the model's own.
    """

    def __init__(self, model: nn.Module, options: FastOptions | None = None):
        self.parts = Pi0Parts.of(model)
        device = self.parts.action_out_proj.weight.device
        self.options = options or default_options(device)
        dtype = self.options.torch_dtype
        if dtype is not None and self.parts.action_out_proj.weight.dtype != dtype:
            log.info("casting the π0 weights to %s for the fast sampler", dtype)
            model.to(dtype)
        wrap = functools.partial(
            maybe_compile,
            enabled=self.options.compile,
            mode=self.options.compile_mode,
            backend=self.options.compile_backend,
        )
        once = functools.partial(wrap, enabled=self.options.compile and self.options.compile_prefix)
        self._encode_prefix = once(encode_prefix, name="pi0 prefix")
        self._encode_state = once(encode_state, name="pi0 state token")
        self._velocity = wrap(velocity, name="pi0 denoising step")
        self._velocity_fused = wrap(fused_velocity, name="pi0 denoising step (fused)")
        # The fused step needs the state's keys/values cached (it runs the actions only).
        fuse = self.options.fuse_expert and self.options.cache_state_kv
        self._fused = FusedWeights(self.parts, self.options.gelu_by_sigmoid) if fuse else None
        self._parameters = list(model.parameters())
        self._workspaces: dict[tuple, _Workspace] = {}
        self._time_tables: dict[tuple, torch.Tensor] = {}
        self._lock = threading.Lock()

    def compiled(self) -> dict[str, bool]:
        """Which parts still run compiled (a failed compilation turns its part eager)."""
        wrappers = (self._encode_prefix, self._encode_state, self._velocity, self._velocity_fused)
        return {wrapper.name: wrapper.is_compiled for wrapper in wrappers}

    @property
    def model(self) -> nn.Module:
        """The PI0ForConditionalGeneration this sampler runs."""
        return self.parts.model

    @torch.no_grad()
    def sample_actions(
        self,
        state: torch.Tensor,
        input_ids: torch.LongTensor,
        pixel_values: torch.Tensor,
        noise: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        pixel_attention_mask: torch.BoolTensor | None = None,
        num_steps: int | None = None,
        guidance: Guidance | None = None,
        **kwargs: Any,
    ) -> torch.Tensor:
        """(B, chunk, max_action_dim) actions, as `model.sample_actions` with the same arguments.

        guidance: inpaint onto a previous chunk (real-time chunking); None samples as stock.
        """
        if kwargs and guidance is not None:
            raise ValueError(f"guided sampling takes no extra arguments, got {sorted(kwargs)}")
        if kwargs:
            log.warning("fast sampler: extra arguments %s, running stock", sorted(kwargs))
            return self.model.sample_actions(
                state, input_ids, pixel_values, noise, attention_mask, pixel_attention_mask,
                num_steps, **kwargs,
            )  # fmt: skip
        with self._lock:
            return self._sample(
                state,
                input_ids,
                pixel_values,
                noise,
                attention_mask,
                pixel_attention_mask,
                num_steps,
                guidance,
            )

    __call__ = sample_actions

    def _sample(
        self,
        state: torch.Tensor,
        input_ids: torch.Tensor,
        pixel_values: torch.Tensor,
        noise: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
        pixel_attention_mask: torch.Tensor | None,
        num_steps: int | None,
        guidance: Guidance | None = None,
    ) -> torch.Tensor:
        config, options, parts = self.model.config, self.options, self.parts
        num_steps = num_steps or config.num_inference_steps
        batch, prefix_len = input_ids.shape
        device = input_ids.device
        if noise is None:  # the same draw as stock, so a seeded generator gives the same chunk
            shape = (batch, config.chunk_size, config.max_action_dim)
            noise = torch.normal(0.0, 1.0, size=shape, dtype=pixel_values.dtype, device=device)
        if pixel_attention_mask is None:
            pixel_attention_mask = torch.ones(
                pixel_values.shape[:2], dtype=torch.bool, device=device
            )
        dtype = parts.action_out_proj.weight.dtype
        geometry, keep = self._geometry(attention_mask, prefix_len, device)
        chunk = ChunkInputs(
            input_ids=input_ids if keep is None else input_ids[:, keep],
            pixel_values=pixel_values.to(dtype),
            pixel_attention_mask=pixel_attention_mask,
            state=state.to(dtype),
            noise=noise.float() if options.fp32_integration else noise,
            geometry=geometry,
        )
        workspace = self._workspace(batch, geometry.prefix_len, dtype, device)
        time_table = self._time_table(batch, num_steps, device)
        if guidance is not None:  # eager: a backward pass per step does not fit one graph
            guidance = _on(guidance, chunk.noise)
            actions = self._compute(chunk, workspace.kv, time_table, attention_mask, guidance)
        elif self._graphs_enabled(device):
            actions = self._replay(workspace, chunk, time_table, attention_mask)
        else:
            actions = self._compute(chunk, workspace.kv, time_table, attention_mask)
        return actions.to(noise.dtype)

    def _graphs_enabled(self, device: torch.device) -> bool:
        return self.options.cuda_graphs and device.type == "cuda"

    def _compute(
        self,
        chunk: ChunkInputs,
        kv: KV,
        time_table: torch.Tensor,
        attention_mask: torch.Tensor | None,
        guidance: Guidance | None = None,
    ) -> torch.Tensor:
        """Prefix, state, then the Euler steps: everything that runs on the device."""
        options, parts, geometry = self.options, self.parts, chunk.geometry
        self._encode_prefix(
            parts, chunk.input_ids, chunk.pixel_values, chunk.pixel_attention_mask, geometry, kv,
            options.pack_gqa, options.gelu_by_sigmoid,
        )  # fmt: skip
        if options.cache_state_kv:
            self._encode_state(
                parts, chunk.state, geometry, kv, options.pack_gqa, options.gelu_by_sigmoid
            )
        step_state = None if options.cache_state_kv else chunk.state
        return self._denoise(
            chunk.noise, step_state, geometry, kv, time_table, attention_mask, guidance
        )

    def _denoise(
        self,
        x: torch.Tensor,
        state: torch.Tensor | None,
        geometry: ChunkGeometry,
        kv: KV,
        time_table: torch.Tensor,
        attention_mask: torch.Tensor | None,
        guidance: Guidance | None = None,
    ) -> torch.Tensor:
        """Euler steps from t=1 to t=0: x <- x + dt * v(x, t), v guided when asked."""
        options, parts = self.options, self.parts
        # Autograd needs each step's keys/values as values, not writes into the buffer; the
        # hand-written pullback reads them before the next step writes.
        by_hand = self._fused is not None and supports_pullback(self._fused.current())
        autograd = guidance is not None and guidance.config.jacobian and not by_hand
        in_place = options.kv_buffer and not autograd
        num_steps = time_table.shape[0]
        expert = time_terms = rope = None
        if self._fused is not None:
            expert = self._fused.current()
            time_terms = expert.time_terms(time_table)
            rope = fused_rope(geometry.action_rope)
        dt = -1.0 / num_steps
        for step in range(num_steps):
            if not options.hoist_masks:  # stock rebuilds them for every step
                geometry, _ = self._geometry(attention_mask, geometry.prefix_len, x.device)
                rope = fused_rope(geometry.action_rope)

            def velocity_at(x: torch.Tensor, step: int = step, geometry=geometry, rope=rope):
                if self._fused is not None:
                    return self._velocity_fused(
                        expert, x, time_terms[step], rope, geometry.action_mask,
                        geometry.prefix_len + 1, kv, in_place, options.pack_gqa,
                    )  # fmt: skip
                return self._velocity(
                    parts, x, time_table[step], state, geometry, kv, in_place,
                    options.pack_gqa, options.gelu_by_sigmoid,
                )  # fmt: skip

            def with_pullback(x: torch.Tensor, step: int = step, geometry=geometry, rope=rope):
                return velocity_with_pullback(
                    expert, x, time_terms[step], rope, geometry.action_mask,
                    geometry.prefix_len + 1, kv, in_place,
                )  # fmt: skip

            if guidance is None:
                v = velocity_at(x)
            else:
                pullback = with_pullback if by_hand else None
                v = guided_velocity(velocity_at, x, 1.0 + step * dt, guidance, pullback)
            x = x + dt * v.to(x.dtype)
        return x

    def _replay(
        self,
        workspace: _Workspace,
        chunk: ChunkInputs,
        time_table: torch.Tensor,
        attention_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """The whole chunk through a CUDA graph, captured on first use for these shapes."""
        # A new capture whenever the graph would read tensors of other shapes, or other weights.
        key = (
            tree_signature(chunk),
            time_table.shape,
            attention_mask is None,
            weights_stamp(self._parameters),
        )
        if workspace.graph is None or workspace.graph_key != key:
            workspace.graph, workspace.graph_key = None, None
            static = clone_tree(chunk)

            def run() -> torch.Tensor:
                return self._compute(static, workspace.kv, time_table, attention_mask)

            try:
                graph = CapturedChunk(run)
            except Exception as exc:  # capture is best effort: eager computes the same
                log.warning("CUDA graph capture failed, running without: %s", exc)
                self.options = self.options.with_changes(cuda_graphs=False)
                return self._compute(chunk, workspace.kv, time_table, attention_mask)
            workspace.graph, workspace.graph_key, workspace.static = graph, key, static
        copy_tree(workspace.static, chunk)
        return workspace.graph()

    def _geometry(
        self, attention_mask: torch.Tensor | None, prefix_len: int, device: torch.device
    ) -> tuple[ChunkGeometry, torch.Tensor | None]:
        """This chunk's geometry, and the prefix columns kept (None: all)."""
        options = self.options
        keep = masks.columns_in_use(attention_mask) if options.trim_padding else None
        like = torch.empty(0, dtype=self.parts.action_out_proj.weight.dtype, device=device)
        geometry = build_geometry(
            self.parts, attention_mask, prefix_len, like, options.drop_full_mask, keep
        )
        return geometry, keep

    def _workspace(
        self, batch: int, prefix_len: int, dtype: torch.dtype, device: torch.device
    ) -> _Workspace:
        key = (batch, prefix_len, dtype, device)
        if key not in self._workspaces:
            if len(self._workspaces) >= _MAX_CACHED_SHAPES:
                self._workspaces.clear()
            parts = self.parts
            shape = (
                len(parts.expert_layers), batch, parts.kv_heads,
                prefix_len + 1 + parts.chunk_size, parts.head_dim,
            )  # fmt: skip
            kv = (
                torch.empty(shape, dtype=dtype, device=device),
                torch.empty(shape, dtype=dtype, device=device),
            )
            self._workspaces[key] = _Workspace(kv=kv)
        return self._workspaces[key]

    def _time_table(self, batch: int, num_steps: int, device: torch.device) -> torch.Tensor:
        """(steps, B, E) float32 sinusoidal embeddings of t = 1, 1 + dt, ..."""
        key = (batch, num_steps, device)
        if key not in self._time_tables:
            dt = -1.0 / num_steps
            times = [
                torch.full((batch,), 1.0 + step * dt, dtype=torch.float32, device=device)
                for step in range(num_steps)
            ]
            sinusoid = self.parts.action_time.sinusoid_embeds
            self._time_tables[key] = torch.stack([sinusoid(time) for time in times])
        return self._time_tables[key]


def _on(guidance: Guidance, like: torch.Tensor) -> Guidance:
    """The guidance tensors in the dtype and on the device of x_t."""
    return Guidance(
        target=guidance.target.to(like.device, like.dtype),
        weights=guidance.weights.to(like.device, like.dtype),
        config=guidance.config,
    )


_SAMPLERS: weakref.WeakKeyDictionary[nn.Module, dict[FastOptions | None, FastSampler]] = (
    weakref.WeakKeyDictionary()
)
_UNSUPPORTED: weakref.WeakSet[nn.Module] = weakref.WeakSet()


def fast_sample_actions(
    model: nn.Module,
    state: torch.Tensor,
    input_ids: torch.LongTensor,
    pixel_values: torch.Tensor,
    noise: torch.Tensor | None = None,
    attention_mask: torch.Tensor | None = None,
    pixel_attention_mask: torch.BoolTensor | None = None,
    num_steps: int | None = None,
    options: FastOptions | None = None,
    guidance: Guidance | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """`model.sample_actions(...)`, faster; one FastSampler per (model, options) is kept.

    guidance (real-time chunking) needs the fast sampler: a model it cannot run is an error then.
    """
    args = (state, input_ids, pixel_values, noise, attention_mask, pixel_attention_mask, num_steps)
    if guidance is not None:
        kwargs = {**kwargs, "guidance": guidance}
    if model in _UNSUPPORTED:
        if guidance is not None:
            raise UnsupportedModelError("guided sampling needs the fast sampler")
        return model.sample_actions(*args, **kwargs)
    samplers = _SAMPLERS.setdefault(model, {})
    if options not in samplers:
        try:
            samplers[options] = FastSampler(model, options)
        except UnsupportedModelError as exc:
            log.warning("fast π0 sampler not usable, running stock: %s", exc)
            _UNSUPPORTED.add(model)
            if guidance is not None:
                raise
            return model.sample_actions(*args, **kwargs)
    return samplers[options].sample_actions(*args, **kwargs)
