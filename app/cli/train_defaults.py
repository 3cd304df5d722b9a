"""What `train --init` does unless told otherwise: rehearse the starting checkpoint's tasks and
augment images as it was trained (the Fine-tune tab shows the same defaults)."""

from __future__ import annotations

import argparse

from pi0_core.train.card_tasks import demo_recipes, read_card
from pi0_core.train.rehearsal import DEFAULT_FRACTION, INIT

COLOUR_ONLY_MARKS = ("--colour-augment-only", "augmentation: colour only")  # in a model card


def default_rehearsal(init: str | None) -> tuple[str, ...]:
    """`init:FRACTION` when the starting checkpoint's card names demos it can regenerate."""
    if init is None or not demo_recipes(read_card(init)):
        return ()
    return (f"{INIT}:{DEFAULT_FRACTION:g}",)


def trained_colour_only(init: str | None) -> bool:
    """Whether the starting checkpoint's card says it was trained without crop/rotation."""
    card = read_card(init) if init is not None else ""
    return any(mark in card for mark in COLOUR_ONLY_MARKS)


def rehearsal_of(args: argparse.Namespace) -> tuple[str, ...]:
    """The --rehearse entries given, else the default (none with --no-rehearse)."""
    if args.rehearse:
        return tuple(args.rehearse)
    return () if args.no_rehearse else default_rehearsal(args.init)


def geometric_augmentation(args: argparse.Namespace) -> bool:
    """Random crop/rotation of fixed cameras: on, unless turned off or the starting checkpoint
    was trained without it (then only --geometric-augment turns it on)."""
    if args.colour_augment_only:
        return False
    return args.geometric_augment or not trained_colour_only(args.init)
