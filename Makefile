# commune-edge: the three commands a newcomer needs.
.PHONY: demo test bench setup lint

setup:
	@bash scripts/setup.sh

# The kiosk on an embedded demo store (and a local province when Mosquitto is installed).
demo: setup
	@bash scripts/demo.sh

# Everything: set-up, architecture contracts, the whole test suite.
test: setup
	.venv/bin/lint-imports --config pyproject.toml
	.venv/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	.venv/bin/python -m bench

lint: setup
	.venv/bin/lint-imports --config pyproject.toml
