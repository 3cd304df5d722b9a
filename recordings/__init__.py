"""HDF5 episodes in the ALOHA/ACT layout, with the prompt stored beside them. Knows only files."""
