"""The simulated cubes' material colours, read from the scene files that set them."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
CUBE_SUFFIX = "_box"  # a cube geom is named "<colour>_box"


@functools.cache
def cube_colours() -> dict[str, tuple[float, float, float]]:
    """Colour word -> the (r, g, b) in [0, 1] its cube is drawn with, over every scene here."""
    colours: dict[str, tuple[float, float, float]] = {}
    for scene in sorted(ASSETS.glob("*.xml")):
        for geom in ET.parse(scene).iter("geom"):
            name, rgba = geom.get("name", ""), geom.get("rgba")
            if name.endswith(CUBE_SUFFIX) and rgba:
                r, g, b = (float(c) for c in rgba.split()[:3])
                colours[name.removesuffix(CUBE_SUFFIX)] = (r, g, b)
    return colours
