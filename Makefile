# Two commands do all the set-up on a fresh clone:
#   make demo   restore the bundled example image and print PSNR before/after
#   make test   run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[deep,bench,test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p demo-output
	$(BIN)/restore data/examples/cameraman_noisy25.png --sigma 25 \
		--reference data/examples/cameraman.png -o demo-output/cameraman_restored.png

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q
	tests/install_check.sh $(PYTHON)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.all --data-root ../shared/data

clean:
	rm -rf $(VENV) demo-output
