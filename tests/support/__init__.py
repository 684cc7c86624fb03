"""Shared test helpers: paths, hand-built model objects, the in-process CLI, git repositories."""
