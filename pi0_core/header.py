"""The safetensors header: tensor names, dtypes and shapes, read without the tensor data.

A safetensors file starts with an 8-byte little-endian length and that many bytes of JSON, so
a 7 GB checkpoint (even a sparse one) is described by reading a few hundred kilobytes.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

MAX_HEADER_BYTES = 100 * 1024 * 1024  # safetensors' own limit

# safetensors dtype code -> torch's name for it
DTYPE_NAMES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "BOOL": "bool",
}


@dataclass(frozen=True)
class TensorInfo:
    """One tensor as the header describes it."""

    dtype: str  # torch's name, e.g. "bfloat16"
    shape: tuple[int, ...]
    file: Path  # the file holding it (a sharded checkpoint has several)

    @property
    def numel(self) -> int:
        """Number of elements."""
        count = 1
        for size in self.shape:
            count *= size
        return count


def read_header(path: Path) -> dict[str, TensorInfo]:
    """Name -> TensorInfo of one safetensors file; a corrupt header gets a one-line error."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            (length,) = struct.unpack("<Q", file.read(8))
            if not 0 < length <= MAX_HEADER_BYTES:
                raise ValueError(f"header length {length}")
            header = json.loads(file.read(length))
    except FileNotFoundError:
        raise FileNotFoundError(f"missing {path}") from None
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"corrupt {path}: not a safetensors file ({exc})") from exc
    header.pop("__metadata__", None)
    try:
        tensors = {
            name: TensorInfo(
                DTYPE_NAMES.get(entry["dtype"], entry["dtype"]), tuple(entry["shape"]), path
            )
            for name, entry in header.items()
        }
        end = max((int(entry["data_offsets"][1]) for entry in header.values()), default=0)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ValueError(f"corrupt {path}: bad tensor entry ({exc})") from exc
    if 8 + length + end > path.stat().st_size:
        raise ValueError(f"corrupt {path}: the file is shorter than its header says (truncated?)")
    return tensors


def read_headers(paths: list[Path]) -> dict[str, TensorInfo]:
    """The tensors of all shards of a checkpoint; a name in two shards is an error."""
    tensors: dict[str, TensorInfo] = {}
    for path in paths:
        for name, info in read_header(path).items():
            if name in tensors:
                raise ValueError(
                    f"corrupt checkpoint: {name} is in {tensors[name].file} and {path}"
                )
            tensors[name] = info
    return tensors


def disk_dtype(tensors: dict[str, TensorInfo]) -> str:
    """The dtype holding most of the parameters ("" for no tensors)."""
    counts: dict[str, int] = {}
    for info in tensors.values():
        counts[info.dtype] = counts.get(info.dtype, 0) + info.numel
    return max(counts, key=counts.get) if counts else ""
