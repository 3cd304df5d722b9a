"""Training π0: config, data, loss, optimiser, EMA, LoRA, DDP, resume, metrics, the loop."""
