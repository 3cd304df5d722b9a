"""Settings persist between runs in their file: prompts, folders, robot config."""

from app.ui.settings import MAX_RECENT_PROMPTS, Settings


def test_prompts_most_recent_first_without_duplicates(tmp_path):
    settings = Settings.at(tmp_path / "s.ini")
    for prompt in ("a", "b", "a", " c "):
        settings.add_prompt(prompt)
    assert settings.recent_prompts() == ["c", "a", "b"]


def test_history_is_bounded(tmp_path):
    settings = Settings.at(tmp_path / "s.ini")
    for i in range(MAX_RECENT_PROMPTS + 5):
        settings.add_prompt(f"p{i}")
    assert len(settings.recent_prompts()) == MAX_RECENT_PROMPTS


def test_values_survive_a_new_settings_object(tmp_path):
    first = Settings.at(tmp_path / "s.ini")
    first.add_prompt("only one")
    first.set_last_folder("record", "/data/demos")
    first.set_robot_config_path("/etc/robot.toml")
    first.sync()
    second = Settings.at(tmp_path / "s.ini")
    assert second.recent_prompts() == ["only one"]
    assert second.last_folder("record") == "/data/demos"
    assert second.robot_config_path() == "/etc/robot.toml"
    assert second.estop_on_space() is True
