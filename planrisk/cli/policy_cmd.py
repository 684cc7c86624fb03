"""`planrisk policy show`: the effective configuration, and which layer each value came from.

Input: the configuration layers (system file, repository file — from the base revision when
a change is under review —, `--config`, `--config-ref`). Output: TOML (default) or JSON naming
the layers, every rule, the trusted keys with their fingerprints, and for each value the layer
it came from; exit 3 when a layer, a rule or a key is invalid.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from planrisk.cli.analyze_cmd import ConfigOption, ConfigRefOption, OutputOption
from planrisk.cli.app import app

policy_app = typer.Typer(help="Inspect the gate's policy.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


class PolicyFormat(StrEnum):
    """Formats of `policy show`."""

    TOML = "toml"
    JSON = "json"


@policy_app.command("show")
def policy_show(
    config: ConfigOption = None,
    config_ref: ConfigRefOption = None,
    fmt: Annotated[PolicyFormat, typer.Option("--format", help="Output format.")] = (
        PolicyFormat.TOML
    ),
    output: OutputOption = None,
) -> None:
    """Print the effective configuration: layers, rules, trusted keys, and each value's origin."""
    from planrisk.config import load_config
    from planrisk.gate.decide import load_effective_policy_of
    from planrisk.report.json_format import render_json
    from planrisk.report.output import write_output
    from planrisk.report.policy_view import KeyRow, policy_json, policy_toml

    loaded = load_config(config, config_ref=config_ref)
    policy = load_effective_policy_of(loaded)
    rows = []
    if loaded.trusted_keys:
        from planrisk.gate.evidence.keys import load_trusted_keys

        for entry, key in zip(
            loaded.trusted_keys, load_trusted_keys(loaded.trusted_keys), strict=True
        ):
            rows.append(
                KeyRow(
                    name=key.name,
                    purpose=key.purpose,
                    public_key=entry.public_key_path,
                    fingerprint=f"sha256:{key.keyid}",
                    origin=entry.origin,
                )
            )
    if fmt is PolicyFormat.JSON:
        write_output(render_json(policy_json(loaded, policy, rows)), output)
    else:
        write_output(policy_toml(loaded, policy, rows), output)
