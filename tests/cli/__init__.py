"""Tests of `planrisk.cli` not owned by a stage: whole commands, lazy imports, the fast exit."""
