"""Tests of `planrisk.github` against a fake GitHub API."""
