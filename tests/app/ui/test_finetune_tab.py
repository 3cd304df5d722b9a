"""The Fine-tune tab runs `main.py train` as a child process, through to a usable checkpoint."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.ui import backend
from app.ui.session_controller import SessionController
from app.ui.tabs.finetune import FinetuneTab
from app.ui.workers import BackgroundTasks
from tests.app.ui.episodes_on_disk import write_dataset

MISSING = backend.missing_module("pi0_core.train.loop") or backend.missing_module("pi0_core.policy")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"training not landed: {MISSING}")


@pytest.fixture
def finetune(qtbot, settings, monkeypatch):
    tasks = BackgroundTasks()
    controller = SessionController(tasks)
    tab = FinetuneTab(controller, settings)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    tiny_and_quick = lambda: replace(  # noqa: E731 (few steps, one thread: a test, not a run)
        FinetuneTab.config(tab), save_every=2, log_every=1, threads=1
    )
    monkeypatch.setattr(tab, "config", tiny_and_quick)
    yield tab
    tab.shutdown()
    tasks.shutdown()
    tab.close()


def _set_up(tab: FinetuneTab, data: str, out: str) -> None:
    tab.add_dataset(data)
    tab.start_from.setCurrentIndex(2)  # a new model from a preset
    tab.preset.setCurrentText("tiny")
    tab.steps.setValue(3)
    tab.batch_size.setValue(2)
    tab.out.set_path(out)


def test_auxiliary_loss_weights_reach_the_trainer_only_when_set(finetune, tmp_path):
    _set_up(finetune, str(tmp_path / "data"), str(tmp_path / "run"))
    arguments = FinetuneTab.config(finetune).arguments()
    assert "--object-loss" not in arguments and "--named-loss" not in arguments
    assert finetune.object_loss.text() == "off"
    finetune.object_loss.setValue(1.0)
    finetune.named_loss.setValue(0.5)
    arguments = FinetuneTab.config(finetune).arguments()
    assert arguments[arguments.index("--object-loss") + 1] == "1"
    assert arguments[arguments.index("--named-loss") + 1] == "0.5"


def test_an_opened_run_draws_the_auxiliary_losses_it_logged(finetune, tmp_path):
    with_aux, without = tmp_path / "with", tmp_path / "without"
    for run, extra in ((with_aux, {"object_loss": 0.2, "named_loss": 0.1}), (without, {})):
        run.mkdir()
        lines = [{"step": step, "loss": 0.5 / step, "lr": 1e-4, **extra} for step in (1, 2, 3)]
        (run / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    curves = finetune.curves
    finetune.out.set_path(str(with_aux))
    assert list(curves.auxiliary_curves["object_loss"].yData) == [0.2, 0.2, 0.2]  # not log10
    assert list(curves.auxiliary_curves["named_loss"].yData) == [0.1, 0.1, 0.1]
    assert curves.legend.getLabel(curves.auxiliary_curves["named_loss"]).text == "named object"
    finetune.out.set_path(str(without))  # a run without them: no curve, no legend entry
    emptied = curves.auxiliary_curves["object_loss"].yData
    assert emptied is None or len(emptied) == 0
    assert curves.legend.getLabel(curves.auxiliary_curves["object_loss"]) is None


@pytest.mark.slow
def test_short_tiny_training_plots_loss_and_gives_a_loadable_checkpoint(qtbot, finetune, tmp_path):
    data = write_dataset(tmp_path / "data", corrupt=False)
    _set_up(finetune, str(data), str(tmp_path / "run"))
    finetune.start_button.click()
    assert finetune.run.running
    with qtbot.waitSignal(finetune.run.finished, timeout=240000) as finished:
        pass
    assert finished.args == ["finished"], "\n".join(finetune.run.last_lines(30))
    steps, losses = finetune.curves.loss_curve.getData()
    assert len(steps) >= 1 and all(loss > 0 for loss in losses)
    names = finetune.checkpoints.names()
    assert "final" in names and "step_000002" in names
    finetune.checkpoints.use_button.click()  # the last row (final) is selected
    controller = finetune.controller
    qtbot.waitUntil(lambda: not controller.policy_loading, timeout=60000)
    assert controller.policy_info is not None, controller.policy_status
    assert controller.policy_info.path.endswith("final")
    assert controller.policy.chunk_size == 50


@pytest.mark.slow
def test_failed_training_shows_its_error(qtbot, finetune, tmp_path):
    _set_up(finetune, str(tmp_path / "no_such_folder"), str(tmp_path / "run"))
    finetune.start_button.click()
    with qtbot.waitSignal(finetune.run.finished, timeout=120000) as finished:
        pass
    assert finished.args == ["failed"]
    assert "Training failed" in finetune.state.text()
    assert "no_such_folder" in finetune.log.toPlainText()
    assert finetune.start_button.isEnabled()


def _run_with_comparison(run, before: dict, after: dict) -> None:
    (run / "final").mkdir(parents=True)
    lines = [
        {"step": 0, "eval_before": before},
        {"step": 1, "loss": 0.1, "lr": 1e-4},
        {"step": 2, "loss": 0.05, "lr": 1e-5, "eval_after": after},
    ]
    (run / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_opened_run_shows_before_and_after_beside_the_curves(finetune, tmp_path):
    _run_with_comparison(
        tmp_path / "run",
        {"pick_color": 0.8, "insertion": 0.6},
        {"pick_color": 0.9, "insertion": 0.4},
    )
    finetune.out.set_path(str(tmp_path / "run"))
    table = finetune.before_after.table
    rows = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert rows == [["pick_color", "80%", "90%", "+10 pts"], ["insertion", "60%", "40%", "-20 pts"]]
    assert "worse than the one it was fine-tuned from on insertion (60% before, 40% after)" in (
        finetune.before_after.verdict.text()
    )


def test_use_this_policy_asks_in_words_when_worse(finetune, tmp_path, monkeypatch):
    _run_with_comparison(tmp_path / "run", {"transfer_cube": 1.0}, {"transfer_cube": 0.15})
    finetune.out.set_path(str(tmp_path / "run"))
    asked, loaded = [], []
    monkeypatch.setattr(finetune, "confirm_worse", lambda text: asked.append(text) or False)
    monkeypatch.setattr(finetune.controller, "load_policy", loaded.append)
    finetune.use_checkpoint(str(tmp_path / "run" / "final"))
    assert loaded == []
    assert "transfer_cube (100% before, 15% after)" in asked[0]
    assert "worse" in finetune.state.text()


def test_use_this_policy_loads_at_once_when_not_worse(finetune, tmp_path, monkeypatch):
    _run_with_comparison(tmp_path / "run", {"pick_color": 0.8}, {"pick_color": 0.85})
    finetune.out.set_path(str(tmp_path / "run"))
    loaded = []
    monkeypatch.setattr(finetune, "confirm_worse", lambda text: pytest.fail("asked"))
    monkeypatch.setattr(finetune.controller, "load_policy", loaded.append)
    finetune.use_checkpoint(str(tmp_path / "run" / "final"))
    assert loaded == [str(tmp_path / "run" / "final")]


def test_form_shows_the_trainers_fine_tuning_defaults(finetune, tmp_path):
    from pi0_core.presets import get_preset
    from pi0_core.train import finetune_defaults

    finetune.start_from.setCurrentIndex(0)  # the bundled policy
    assert finetune.steps.value() == finetune_defaults.STEPS
    assert finetune.batch_size.value() == finetune_defaults.BATCH_SIZE
    assert finetune.lr.value() == pytest.approx(get_preset("tiny").finetune_lr)
    assert finetune.rehearse.isChecked()
    assert finetune.rehearse_share.value() == pytest.approx(finetune_defaults.REHEARSE_FRACTION)
    assert finetune.stats.currentText() == finetune_defaults.STATS
    finetune.add_dataset(str(tmp_path / "data"))
    finetune.out.set_path(str(tmp_path / "run"))
    arguments = FinetuneTab.config(finetune).arguments()
    assert f"init:{finetune_defaults.REHEARSE_FRACTION:g}" in arguments
    finetune.start_from.setCurrentIndex(2)  # a preset: nothing to rehearse, its scratch rate
    assert not finetune.rehearse.isEnabled()
    assert finetune.lr.value() == pytest.approx(get_preset("tiny").scratch_lr)
    assert "--rehearse" not in FinetuneTab.config(finetune).arguments()


def test_keeping_the_action_expert_freezes_it_from_a_checkpoint_only(finetune, tmp_path):
    finetune.start_from.setCurrentIndex(0)  # the bundled policy
    finetune.add_dataset(str(tmp_path / "data"))
    finetune.out.set_path(str(tmp_path / "run"))
    assert not finetune.keep_expert.isChecked()
    assert "--freeze" not in FinetuneTab.config(finetune).arguments()
    finetune.keep_expert.setChecked(True)
    arguments = FinetuneTab.config(finetune).arguments()
    assert arguments[arguments.index("--freeze") + 1] == "expert"
    finetune.start_from.setCurrentIndex(2)  # a fresh network has no trained expert to keep
    assert not finetune.keep_expert.isEnabled()
    assert "--freeze" not in FinetuneTab.config(finetune).arguments()


def test_rehearsing_as_the_policy_acts_goes_with_rehearsal_only(finetune, tmp_path):
    finetune.start_from.setCurrentIndex(0)  # the bundled policy
    finetune.add_dataset(str(tmp_path / "data"))
    finetune.out.set_path(str(tmp_path / "run"))
    assert not finetune.rehearse_distill.isChecked()  # off by default
    assert "--rehearse-distill" not in FinetuneTab.config(finetune).arguments()
    finetune.rehearse_distill.setChecked(True)
    assert "--rehearse-distill" in FinetuneTab.config(finetune).arguments()
    finetune.rehearse.setChecked(False)  # nothing rehearsed: nothing to distill
    assert not finetune.rehearse_distill.isEnabled()
    assert "--rehearse-distill" not in FinetuneTab.config(finetune).arguments()
    finetune.rehearse.setChecked(True)
    finetune.start_from.setCurrentIndex(2)  # a fresh network has no behaviour to keep
    assert not finetune.rehearse_distill.isEnabled()
    assert "--rehearse-distill" not in FinetuneTab.config(finetune).arguments()


def test_teaching_as_a_known_colour_passes_the_recipe_from_a_checkpoint_only(finetune, tmp_path):
    finetune.start_from.setCurrentIndex(0)  # the bundled policy
    finetune.add_dataset(str(tmp_path / "data"))
    finetune.out.set_path(str(tmp_path / "run"))
    assert "--teach-as" not in FinetuneTab.config(finetune).arguments()  # empty: off
    finetune.teach_as.setText(" Yellow=Blue ")
    arguments = FinetuneTab.config(finetune).arguments()
    assert arguments[arguments.index("--steps") + 1] == "1000"  # the measured recipe's
    assert arguments[arguments.index("--lr") + 1] == "0.0001"
    assert arguments[arguments.index("--teach-as") + 1] == "yellow=blue"
    assert arguments[arguments.index("--teach-colour-map") + 1] == "2400"
    assert arguments[arguments.index("--freeze") + 1] == "vision,expert"
    assert "--rehearse-distill" in arguments and "--teach-features" not in arguments
    finetune.teach_colour_map.setValue(0)
    assert "--teach-colour-map" not in FinetuneTab.config(finetune).arguments()
    finetune.teach_as.setText("yellow")
    with pytest.raises(ValueError, match="NEW=KNOWN"):
        FinetuneTab.config(finetune)
    finetune.start_from.setCurrentIndex(2)  # a fresh network knows no colour to teach as
    assert not finetune.teach_as.isEnabled()
    assert "--teach-as" not in FinetuneTab.config(finetune).arguments()
