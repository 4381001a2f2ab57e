"""The composition root: command line, settings, wiring of real servers, sandbox."""
