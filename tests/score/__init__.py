"""Tests of `planrisk.score`: factors, blast radius, protections, hints, the risk model."""
