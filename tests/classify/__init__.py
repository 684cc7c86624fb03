"""Tests of `planrisk.classify`: actor and environment classification, token globs."""
