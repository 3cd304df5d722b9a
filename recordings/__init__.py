"""Episodes on disk: HDF5 files in the ALOHA/ACT layout (prompt stored beside them), and
LeRobot datasets (recordings.lerobot). Knows only files."""
