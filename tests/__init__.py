"""planrisk's tests: a package per pipeline stage (`tests/<stage>/`), helpers in `tests.support`."""
