"""A virtual Dynamixel bus on pseudo-terminals, answering Protocol 2.0 like ALOHA's servos."""

from drivers.virtual_bus.aloha import ROLES, VirtualAloha

__all__ = ["ROLES", "VirtualAloha"]
