"""Following a growing metrics.jsonl: complete lines only, series by key."""

from app.ui.metrics_tail import MetricsTail


def test_reads_only_new_complete_lines(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path)
    assert tail.read_new() == []  # no file yet
    path.write_text('{"step": 1, "loss": 2.0}\n{"step": 2, "lo')
    assert tail.read_new() == [{"step": 1, "loss": 2.0}]
    with path.open("a") as stream:
        stream.write('ss": 1.5, "lr": 0.001}\nnot json\n')
    assert tail.read_new() == [{"step": 2, "loss": 1.5, "lr": 0.001}]
    assert tail.series("loss") == ([1.0, 2.0], [2.0, 1.5])
    assert tail.series("lr") == ([2.0], [0.001])


def test_at_step_merges_records_up_to_it(tmp_path):
    path = tmp_path / "metrics.jsonl"
    lines = ('{"step": 10, "loss": 1.0}', '{"step": 10, "eval_success_rate": 0.5}', '{"step": 20}')
    path.write_text("\n".join(lines) + "\n")
    tail = MetricsTail(path)
    tail.read_new()
    assert tail.at_step(10) == {"step": 10, "loss": 1.0, "eval_success_rate": 0.5}
