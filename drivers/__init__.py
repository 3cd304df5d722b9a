"""Devices: Dynamixel arms, cameras, the simulated ALOHA, the virtual servo bus. No models."""
