"""Where the policy shipped with the app lives."""

from pathlib import Path

# The tiny multi-task π0 trained on the simulated ALOHA (see its README.md model card).
BUNDLED_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "tiny_aloha_sim"
