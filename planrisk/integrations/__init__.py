"""Integrations (guard stage): the deploy gate inside programs that drive the tools as libraries.

Input: a tool's library objects (a Pulumi Automation API `Stack`). Output: the same operation,
run only when the gate allows it. `planrisk.integrations.pulumi` needs the `planrisk[pulumi]`
extra and is imported only when used.
"""
