"""Devices: Dynamixel arms, cameras, the simulated ALOHA and the virtual servo bus. Knows nothing of models."""
