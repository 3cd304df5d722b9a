"""Where the simulated scenes start: a constant the app, the CLI and the simulator share.

Kept out of `drivers.sim`, whose import sets MuJoCo's rendering defaults: a process that drives
real arms reads it without loading the simulator.
"""

# The first scene of the app, `run`, `teleop` and `virtual-aloha`: the first seed of a range no
# command of this project draws. Not 0: one of the bundled policy's training layouts (a first
# scene should be one the policy never saw, as every real one is) and a hard one for it (its red
# cube lifted in 1 of 10 tries in real time, 2026-12-08). Not 100000 either: what a user records
# there would lie on `eval`'s layouts.
SCENE_SEED = 900_000
