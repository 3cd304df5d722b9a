"""What the app remembers between runs: window layout, last folders, prompts, robot config."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT_PROMPTS = 20


class Settings:
    """Typed access to the persisted values; QSettings underneath (an INI file in tests)."""

    def __init__(self, store: QSettings) -> None:
        self._store = store

    @classmethod
    def for_user(cls) -> Settings:
        """The user's own settings (platform default location)."""
        return cls(QSettings("pi0studio", "pi0 Studio"))

    @classmethod
    def at(cls, path: str | Path) -> Settings:
        """Settings kept in one INI file, e.g. a temporary one for tests and screenshots."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @property
    def path(self) -> str:
        """Where the values are stored (file name or registry path)."""
        return self._store.fileName()

    def recent_prompts(self) -> list[str]:
        """Most recent first, without duplicates."""
        return [p for p in _as_list(self._store.value("prompts/recent", [])) if p]

    def add_prompt(self, prompt: str) -> None:
        """Move `prompt` to the front of the history."""
        prompt = prompt.strip()
        if not prompt:
            return
        prompts = [prompt, *(p for p in self.recent_prompts() if p != prompt)]
        self._store.setValue("prompts/recent", prompts[:MAX_RECENT_PROMPTS])

    def last_folder(self, key: str) -> str:
        """The folder last chosen for `key` (e.g. "record", "datasets"), or ""."""
        return str(self._store.value(f"folders/{key}", "") or "")

    def set_last_folder(self, key: str, folder: str | Path) -> None:
        """Remember the folder chosen for `key`."""
        self._store.setValue(f"folders/{key}", str(folder))

    def value(self, key: str, default: object = None) -> object:
        """A raw value (for options that need no typed accessor)."""
        return self._store.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        """Store a raw value."""
        self._store.setValue(key, value)

    def string_list(self, key: str) -> list[str]:
        """A stored list of strings ([] when unset)."""
        return _as_list(self._store.value(key, []))

    def flag(self, key: str, default: bool) -> bool:
        """A boolean option (INI files store booleans as text)."""
        value = self._store.value(key, default)
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")

    def robot_config_path(self) -> str:
        """The TOML config of the real robot, or ""."""
        return str(self._store.value("robot/config", "") or "")

    def set_robot_config_path(self, path: str | Path) -> None:
        """Remember the TOML config of the real robot."""
        self._store.setValue("robot/config", str(path))

    def estop_on_space(self) -> bool:
        """Whether the space bar triggers the E-STOP while the policy runs."""
        return self.flag("safety/estop_on_space", True)

    def window_layout(self) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved geometry and dock/toolbar state of the main window."""
        return self._store.value("window/geometry"), self._store.value("window/state")

    def set_window_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        """Save geometry and dock/toolbar state of the main window."""
        self._store.setValue("window/geometry", geometry)
        self._store.setValue("window/state", state)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._store.sync()


def _as_list(value: object) -> list[str]:
    # QSettings returns a plain str for one-element lists stored in INI files.
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]
