"""Dynamixel X-series servos over dynamixel-sdk (Protocol 2.0) and the ALOHA arms built on them."""
