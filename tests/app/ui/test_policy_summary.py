"""The policy panel's summary, read from the two model card layouts."""

from __future__ import annotations

from pathlib import Path

from app.ui.policy_summary import NO_TIMING, NOT_STATED, summarize, summary_html

BUNDLED_CARD = Path(__file__).parents[3] / "pi0_core/checkpoints/tiny_aloha_sim/README.md"
TRAINED_CARD = """# π0 policy: tiny, step 300

Trained from `bundled` with pi0 Studio on 2026-12-03.

- data: /tmp/demos (10 episodes, 3000 samples)
- parameters: 2.94 M
- simulator success rate on pick_color: 40%
"""


def test_the_bundled_card_gives_its_results_table_and_inference_time() -> None:
    summary = summarize("tiny_aloha_sim", BUNDLED_CARD.read_text(), ("cam_high",), 2_940_000)
    assert summary.parameters == "2.94 M"
    assert summary.tasks == ("transfer_cube", "pick_color (the named cube)", "insertion")
    assert all("/50" in result for _, result in summary.success)
    assert "ms per chunk" in summary.inference and "(" not in summary.inference
    assert "`" not in summary.inference


def test_a_card_written_by_train_gives_its_success_and_data() -> None:
    summary = summarize("run", TRAINED_CARD, ("cam_high", "cam_left_wrist"), 0)
    assert summary.success == (("pick_color", "40%"),)
    assert summary.trained_on.startswith("/tmp/demos")
    assert summary.parameters == NOT_STATED and summary.inference == NO_TIMING
    html = summary_html(summary)
    assert "cam_high, cam_left_wrist" in html and "40%" in html


FINE_TUNED_CARD = (
    TRAINED_CARD
    + """
## Before and after

Simulator success on 10 episodes per task, seeds 100000-100009 for both:

| task | before (starting checkpoint) | after (these weights) |
| --- | --- | --- |
| transfer_cube | 100% | 100% |
| pick_color | 80% | 70% |

**Worse than the starting checkpoint on pick_color.**
"""
)


def test_a_fine_tune_shows_its_after_rates_beside_the_before_ones() -> None:
    summary = summarize("run", FINE_TUNED_CARD, ("cam_high",), 0)
    assert summary.success == (
        ("transfer_cube", "100% (before: 100%)"),
        ("pick_color", "70% (before: 80%)"),
    )
    assert "70% (before: 80%)" in summary_html(summary)


def test_a_card_without_facts_says_so() -> None:
    summary = summarize("bare", "# just a title\n", (), 0)
    assert summary.success == () and summary.inference == NO_TIMING
    assert "<table border" not in summary_html(summary)
    assert "not stated in the model card" in summary_html(summary)
