"""`planrisk policy show`: the effective policy (built-in defaults merged with the config).

Input: the config file. Output: the policy as JSON, every rule named.
"""

from __future__ import annotations

from pathlib import Path

import typer

from planrisk.cli.analyze_cmd import ConfigOption, OutputOption
from planrisk.cli.app import app

policy_app = typer.Typer(help="Inspect the gate's policy.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@policy_app.command("show")
def policy_show(config: ConfigOption = None, output: OutputOption = None) -> None:
    """Print the effective policy: every named rule, its actors, environments and effect."""
    from planrisk.cli.output import write_output
    from planrisk.config import load_config
    from planrisk.policy import default_policy, load_policy, policy_document
    from planrisk.report.json_format import render_json

    loaded = load_config(config, cwd=Path.cwd())
    source = str(loaded.path) if loaded.path else "built-in defaults"
    policy = load_policy(loaded.policy, source) if loaded.policy else default_policy()
    write_output(render_json(policy_document(policy)), output)
