"""Hand-written in-memory fakes of the ports (workers/ports.py) for unit tests."""
