"""`train --teach-as NEW=KNOWN`: teach a new object by what the checkpoint does with a known one.

A fine-tune that learns a new colour from a few dozen demonstrations learns their layouts, not
the colour (docs/finetune.md, pick_yellow). But the starting checkpoint already acts well on a
known colour: shown the new data with the new object painted in the known colour and named by
the known word, it does the task. That is the teacher's view of each new sample; the student
(the network being trained) sees the sample as recorded, and its target is the teacher's
velocity on the teacher's view. So the student learns to treat the new word and colour as the
checkpoint treats the known ones, with the checkpoint's own motions, on any layout.

The repaint models a cube's pixel as diffuse light in its material colour plus white light
(ambient and highlights): x = L * new_rgb + s. Pixels that fit that (a small residual, L
large enough) become L * known_rgb + s; every other pixel is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

RGB = tuple[float, float, float]
FIT_TOLERANCE = 0.08  # largest channel residual (of 1) for a pixel to count as the new colour
MIN_STRENGTH = 0.15  # least diffuse share L: a grey or dark pixel is not the new colour
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class TeachAs:
    """The new object's word and material colour, and the known ones it is taught as."""

    new_word: str  # as prompts name it: "yellow"
    new_rgb: RGB  # its material colour, each channel in [0, 1]
    known_word: str  # a word the checkpoint acts on: "blue"
    known_rgb: RGB

    def __post_init__(self) -> None:
        for word in (self.new_word, self.known_word):
            if not _WORD.fullmatch(word):
                raise ValueError(f"--teach-as: {word!r} is not one lower-case word")
        if self.new_word == self.known_word:
            raise ValueError(f"--teach-as: {self.new_word!r} is taught as itself")
        for rgb in (self.new_rgb, self.known_rgb):
            if len(rgb) != 3 or not all(0.0 <= c <= 1.0 for c in rgb):
                raise ValueError(f"--teach-as: a colour is three numbers in [0, 1], got {rgb}")
        if np.ptp(self.new_rgb) < 0.2:
            raise ValueError(
                f"--teach-as: {self.new_word}'s colour {self.new_rgb} is too grey to tell "
                "its pixels from the light's"
            )

    @property
    def text(self) -> str:
        """The option's full form, as the config and the model card keep it."""
        new, known = _rgb_text(self.new_rgb), _rgb_text(self.known_rgb)
        return f"{self.new_word}:{new}={self.known_word}:{known}"


def _rgb_text(rgb: RGB) -> str:
    return ",".join(f"{c:g}" for c in rgb)


def parse_teach_as(text: str, palette: dict[str, RGB] | None = None) -> TeachAs:
    """TeachAs from "NEW[:R,G,B]=KNOWN[:R,G,B]"; a colour left out comes from `palette`."""
    sides = text.split("=")
    if len(sides) != 2:
        raise ValueError(f"--teach-as takes NEW=KNOWN (for example yellow=blue), got {text!r}")
    (new_word, new_rgb), (known_word, known_rgb) = (_side(s, palette or {}) for s in sides)
    return TeachAs(new_word, new_rgb, known_word, known_rgb)


def _side(text: str, palette: dict[str, RGB]) -> tuple[str, RGB]:
    word, _, rgb = text.strip().lower().partition(":")
    if not _WORD.fullmatch(word):
        raise ValueError(f"--teach-as: {word!r} is not one lower-case word")
    if rgb:
        try:
            values = tuple(float(c) for c in rgb.split(","))
        except ValueError:
            raise ValueError(f"--teach-as: {rgb!r} is not R,G,B numbers") from None
        return word, values  # type: ignore[return-value]
    if word not in palette:
        known = ", ".join(sorted(palette)) or "none"
        raise ValueError(
            f"--teach-as: no colour known for {word!r} (known: {known}); give it as {word}:R,G,B"
        )
    return word, palette[word]


def repaint(image: np.ndarray, source: RGB, target: RGB) -> np.ndarray:
    """(H, W, 3) uint8 with the pixels of `source`'s material colour in `target`'s."""
    pixels = image.reshape(-1, 3).astype(np.float32) / 255.0  # (N, 3)
    colour = np.asarray(source, np.float32)
    # least squares of each pixel onto [colour, white]: the 2x2 normal equations, solved whole
    cc, cw, ww = colour @ colour, colour.sum(), 3.0
    px_c, px_w = pixels @ colour, pixels.sum(1)
    det = cc * ww - cw * cw
    strength = (ww * px_c - cw * px_w) / det  # (N,) L
    white = (cc * px_w - cw * px_c) / det  # (N,) s
    fit = strength[:, None] * colour + white[:, None]
    matches = (np.abs(pixels - fit).max(1) < FIT_TOLERANCE) & (strength > MIN_STRENGTH)
    if not matches.any():
        return image
    out = pixels.copy()
    out[matches] = strength[matches, None] * np.asarray(target, np.float32) + white[matches, None]
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8).reshape(image.shape)


class TeacherView:
    """Dataset item -> (the student's view, the teacher's view) of it.

    An item whose prompt names the new word: the student sees it as recorded, the teacher
    with the new object repainted and renamed as the known one. With `swap` (`--teach-swap`),
    that share of the items naming the known word (the rehearsed data's) are shown the other
    way round: the student sees the known object repainted and renamed as the new one, the
    teacher the item as recorded, so the new colour is met on the layouts of the old data too.
    Any other item is the same to both.
    """

    def __init__(self, teach: TeachAs, swap: float = 0.0, seed: int = 0) -> None:
        self.teach, self.swap = teach, swap  # swap in [0, 1]: TrainConfig checks it
        self._rng = np.random.default_rng(seed)

    def __call__(self, item: dict) -> tuple[dict, dict]:
        teach = self.teach
        prompt = item.get("prompt") or ""
        if _names(prompt, teach.new_word):
            return item, _shown_as(
                item, teach.new_word, teach.new_rgb, teach.known_word, teach.known_rgb
            )
        if self.swap and _names(prompt, teach.known_word) and self._rng.random() < self.swap:
            return _shown_as(
                item, teach.known_word, teach.known_rgb, teach.new_word, teach.new_rgb
            ), item
        return item, item

    def rename(self, prompt: str) -> str:
        """The prompt with each whole-word `new_word` (any case) as `known_word`."""
        return _rename(prompt, self.teach.new_word, self.teach.known_word)


def check_named(teach: TeachAs, prompts: list[str]) -> None:
    """Refuse, in one line, new data whose prompts never name the new word: nothing to teach."""
    if not any(_names(prompt, teach.new_word) for prompt in prompts):
        raise ValueError(
            f"--teach-as {teach.new_word}={teach.known_word}: no prompt of the new episodes names "
            f"{teach.new_word!r} (one says {prompts[0]!r})"
        )


def _names(prompt: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", prompt, flags=re.IGNORECASE) is not None


def _rename(prompt: str, word: str, as_word: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", as_word, prompt, flags=re.IGNORECASE)


def _shown_as(item: dict, word: str, rgb: RGB, as_word: str, as_rgb: RGB) -> dict:
    """The item with `word`'s colour repainted as `as_word`'s and the word renamed."""
    images = {
        camera: repaint(np.asarray(image), rgb, as_rgb) for camera, image in item["images"].items()
    }
    return {**item, "images": images, "prompt": _rename(item["prompt"], word, as_word)}


class ShownAs:
    """A policy shown every observation in `--teach-as`'s teacher's view (`eval --shown-as`):
    how well the teacher does what the network is taught."""

    def __init__(self, policy: object, teach: TeachAs) -> None:
        self.policy, self.view = policy, TeacherView(teach)

    def __getattr__(self, name: str) -> object:
        return getattr(self.policy, name)

    def infer(self, obs: dict, **options: object) -> np.ndarray:
        """The policy's chunk for the observation as the teacher sees it."""
        return self.policy.infer(self.view(obs)[1], **options)
