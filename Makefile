# pi0 Studio. `make run` opens the app on the simulator, `make test` runs the tests;
# both create .venv and install everything on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MUJOCO_GL ?= egl
export PYOPENGL_PLATFORM ?= egl

.PHONY: run test lint format bench screenshots venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python main.py bench --recording
	$(BIN)/python main.py bench --bus
	$(BIN)/python main.py bench --policy --preset tiny
	$(BIN)/python main.py bench --loop
	$(BIN)/python main.py bench --dataset

screenshots: $(STAMP)
	$(BIN)/python main.py --screenshot docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
