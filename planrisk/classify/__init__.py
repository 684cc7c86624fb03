"""Classify stage: who initiated the plan (human, bot, AI agent) and where it applies (prod…)."""
