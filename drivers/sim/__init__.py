"""The simulated ALOHA: MuJoCo world, tasks, scripted demonstrators, closed-loop evaluation.

Choices worth knowing:
- Scenes are gym-aloha's installed files (pick_color's XML here includes them); physics at
  gym-aloha's 2 ms step, 10 substeps per 50 Hz control step, joint-position servos.
- Images are drawn from a copy of the scene with simplified arm meshes, without shadows or
  multisampling (`drawing.py`, `visual.py`): 3-4x cheaper on a CPU-only machine.
- Success is the task's rule holding at any step (gym-aloha's reward 4, ACT's measure); `demos`
  keeps such episodes and `eval` stops an episode at its first success.
- `eval` gives a policy images of (3S/4, S) pixels for a square vision input S (96x128 for the
  tiny preset), unless `--size` says otherwise: the padded resize is then exact.
- Seeds: `demos` starts at 0, `eval` at 100000 by default, so evaluation layouts are unseen;
  the app, `run`, `teleop` and `virtual-aloha` start at `drivers.seeds.SCENE_SEED`.
"""

import os

# Offscreen rendering needs no display with EGL. MuJoCo reads this when it is first imported, so
# it is set here, before any module of this package imports it; a backend the user chose
# (osmesa, glfw) is kept.
os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", os.environ["MUJOCO_GL"])
