"""Tests of `planrisk._runtime`: forked side jobs, GC housekeeping, progress, stage timings."""
