"""The tests' fixtures come from one plugin, tests/support/fixtures.py (servers, stores, the
console app, a browser); a folder's conftest.py adds or overrides only what is its own."""

pytest_plugins = ["tests.support.fixtures"]
