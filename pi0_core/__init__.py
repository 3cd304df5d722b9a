"""π0 around transformers' PI0ForConditionalGeneration: presets, policy, training, checkpoints."""
