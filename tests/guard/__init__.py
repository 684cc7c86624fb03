"""Tests of `planrisk.guard`: the guard flow, shims, the Pulumi Automation API wrapper."""
