"""Offscreen drawing of a simulator's state, from the lightened copy of its scene."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

import mujoco
import numpy as np

from drivers.sim.scenes import load_visual_model

# Offscreen rendering runs on the CPU on most of our machines: no shadows and no multisampling
# make a frame 5-7x cheaper, and the simplified meshes (drivers.sim.visual) 3-4x more.
SHADOW_SIZE = 0
MULTISAMPLES = 0


class SceneDrawer:
    """Draws camera images of a world; one renderer per thread (GL contexts are per thread)."""

    def __init__(self, scene: str) -> None:
        self.scene = scene
        self._visual: tuple[mujoco.MjModel, mujoco.MjData] | None = None  # built on first use
        self._local = threading.local()
        # Guards building the drawing copy and renderers (slow: a model load, a GL context), so
        # that the world's lock, which the control loop also takes, is never held meanwhile.
        self._build_lock = threading.Lock()

    def draw(
        self,
        data: mujoco.MjData,
        camera: str,
        height: int,
        width: int,
        lock: AbstractContextManager,
    ) -> np.ndarray:
        """An (H, W, 3) uint8 image of `data` from `camera`; `lock` guards reading `data`."""
        renderer = self._renderer(height, width)
        with lock:  # the scene is copied here; drawing it needs no lock
            _, pose = self._pose(data)
            renderer.update_scene(pose, camera=camera)
        return renderer.render()

    def release(self) -> None:
        """Free the calling thread's renderers."""
        for renderer in self._local.__dict__.pop("renderers", {}).values():
            renderer.close()

    def _copy(self) -> tuple[mujoco.MjModel, mujoco.MjData]:
        """The drawing copy of the scene, built on first use."""
        if self._visual is None:
            with self._build_lock:
                if self._visual is None:
                    model = load_visual_model(self.scene)
                    model.vis.quality.shadowsize = SHADOW_SIZE
                    model.vis.quality.offsamples = MULTISAMPLES
                    self._visual = (model, mujoco.MjData(model))
        return self._visual

    def _pose(self, data: mujoco.MjData) -> tuple[mujoco.MjModel, mujoco.MjData]:
        """The drawing copy, posed like `data` (same bodies and joints, so the same qpos)."""
        model, pose = self._copy()
        pose.qpos[:] = data.qpos
        mujoco.mj_kinematics(model, pose)
        mujoco.mj_comPos(model, pose)
        mujoco.mj_camlight(model, pose)
        return model, pose

    def _renderer(self, height: int, width: int) -> mujoco.Renderer:
        renderers = self._local.__dict__.setdefault("renderers", {})
        if (height, width) not in renderers:
            model, _ = self._copy()
            with self._build_lock:
                size = model.vis.global_  # the offscreen buffer must hold the largest image
                size.offheight = max(size.offheight, height)
                size.offwidth = max(size.offwidth, width)
                renderers[(height, width)] = mujoco.Renderer(model, height, width)
        return renderers[(height, width)]
