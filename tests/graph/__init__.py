"""Tests of `planrisk.graph`: edges, adjacency, assembly, .tf sources, edge recall (corpus)."""
