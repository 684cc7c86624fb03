"""Tests of `planrisk.config`: the .planrisk.toml loader, its layers, the review base."""
