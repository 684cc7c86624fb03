"""Tests of `planrisk.report`: every output format, graph rendering, output files, hygiene."""
