"""Launchers for the real servers the bot needs locally (tests, sandbox, benchmarks)."""
