"""Tests of `planrisk.gate`: the decision matrix, policy, what an agent cannot loosen."""
