"""LeRobotDataset folders (v3.0 and v2.1): Parquet frames, MP4 videos, meta/info.json.

Read and written with pyarrow and PyAV only; the `lerobot` package is never imported.
"""
