"""Runtime machinery, not a stage: the forked side job, the GC policy, progress, timings and
owner-only files."""
