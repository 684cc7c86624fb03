"""Score stage: every change's explained 0–100 score, the plan's score, and why."""
