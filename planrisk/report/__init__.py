"""Report stage: renderers that turn an analysis (and a gate decision) into text.

Input: `planrisk.pipeline.Analysis` (plus a decision for `gate`). Output: one string per format.
Renderers never decide pass/fail and never print attribute values.
"""
