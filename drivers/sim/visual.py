"""A lighter copy of a scene for drawing: the same bodies and joints, coarser arm meshes.

The ViperX meshes have about 60k triangles for two arms, and a software renderer (no GPU)
spends nearly all of a frame on them. Drawing from a copy whose meshes are simplified by
vertex clustering is several times faster and looks the same at the sizes policies use.
Physics never sees these meshes: the simulator steps the original model.
"""

from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np

CLUSTER_CELL = 0.003  # metres: mesh vertices in one grid cube of this side merge into one
_MIN_FACES = 500  # meshes smaller than this are kept as they are


def read_binary_stl(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) float64 and triangles (F, 3) int32 of a binary STL file."""
    data = path.read_bytes()
    count = int(np.frombuffer(data, np.uint32, 1, 80)[0])
    record = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attr", "<u2")])
    triangles = np.frombuffer(data, record, count, 84)["corners"].reshape(-1, 3)
    vertices, faces = np.unique(triangles.astype(np.float64), axis=0, return_inverse=True)
    return vertices, faces.reshape(-1, 3).astype(np.int32)


def cluster(vertices: np.ndarray, faces: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge the vertices of each `cell`-sized grid cube into their mean; drop collapsed faces."""
    keys = np.floor(vertices / cell).astype(np.int64)
    _, group, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    group = group.reshape(-1)
    merged = np.zeros((len(counts), 3))
    np.add.at(merged, group, vertices)
    merged /= counts[:, None]
    faces = group[faces]
    keep = (
        (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    )
    faces = faces[keep]
    # Triangles that collapsed onto the same three vertices once; winding order is kept.
    _, first = np.unique(np.sort(faces, axis=1), axis=0, return_index=True)
    return merged, faces[np.sort(first)]


def lighten(spec: mujoco.MjSpec, mesh_folder: Path, cell: float = CLUSTER_CELL) -> None:
    """Replace the spec's large STL meshes by clustered copies, in place."""
    for mesh in spec.meshes:
        if not mesh.file.lower().endswith(".stl"):
            continue
        vertices, faces = read_binary_stl(mesh_folder / mesh.file)
        if len(faces) < _MIN_FACES:
            continue
        vertices, faces = cluster(vertices * np.asarray(mesh.scale), faces, cell)
        mesh.file = ""
        mesh.scale = [1.0, 1.0, 1.0]
        mesh.uservert = vertices.astype(np.float32).reshape(-1)
        mesh.userface = faces.astype(np.int32).reshape(-1)
