"""Defaults of a short fine-tune from a checkpoint, chosen by measurement on the 2-core CPU
(docs/finetune.md); `main.py train --init` uses them and the Fine-tune tab shows them.

Plain values, no torch: the tab imports this module.
"""

STEPS = 300  # the tab's run length: a few minutes on a 2-core CPU
BATCH_SIZE = 8
REHEARSE_FRACTION = 0.5  # share of every batch from the starting checkpoint's own data
STATS = "init"  # normalise with the starting checkpoint's statistics
