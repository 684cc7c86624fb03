"""Benchmark writer, Terraform: streams a `terraform show -json`-shaped plan of the estate.

Input: an `Estate` and a mix name. Output: a plan file (format_version 1.2, terraform_version
1.9.8) with variables, planned_values, resource_changes (sorted by address), output_changes,
prior_state (with transitive depends_on), configuration, timestamp and the applyable/complete/
errored flags. Groups are encoded one at a time with msgspec (values encoded once and reused for
before/after/planned/prior), and the three per-resource sections are spooled to temporary files
so that memory stays bounded at 100k resources.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import msgspec
from msgspec import Raw

from benchmarks.configuration import configuration_json, transitive_depends_on
from benchmarks.estate import Estate, Group
from benchmarks.instance import Instance
from benchmarks.mixes import Decision, Mix

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.8"
TIMESTAMP = "2025-06-02T08:30:00Z"
"""Fixed (never the clock): the output is byte-identical for the same arguments."""

_encoder = msgspec.json.Encoder(order="sorted")
_plain = msgspec.json.Encoder()


def _raw(value: Any) -> Raw:
    """Encode an attribute object or mask with sorted keys, as Terraform does for cty values."""
    return Raw(_encoder.encode(value))


_NESTED = (dict, list)


def _mask(value: Any) -> Any:
    if type(value) is dict:
        return {k: _mask(v) for k, v in value.items() if type(v) in _NESTED}
    return [_mask(item) if type(item) in _NESTED else False for item in value]


def mask(values: dict[str, Any], true_keys: Iterable[str] = ()) -> dict[str, Any]:
    """A Terraform value mask: `true` at `true_keys`, collections kept, `false` leaves omitted."""
    out: dict[str, Any] = _mask(values)
    for key in true_keys:
        out[key] = True
    return out


def _header(inst: Instance) -> dict[str, Any]:
    head: dict[str, Any] = {"address": inst.address}
    if inst.module:
        head["module_address"] = inst.module
    head["mode"] = inst.mode
    head["type"] = inst.type
    head["name"] = inst.name
    if inst.index is not None:
        head["index"] = inst.index
    head["provider_name"] = inst.provider
    return head


class _Encoded:
    """One instance's entries in the three per-resource sections."""

    __slots__ = ("change", "planned", "prior")

    def __init__(self, inst: Instance, decision: Decision, depends_on: tuple[str, ...]) -> None:
        values_raw = _raw(inst.values)
        known_raw = _raw(mask(inst.values))
        sens_raw = _raw(mask(inst.values, inst.sensitive)) if inst.sensitive else known_raw
        before: Raw | None = values_raw if decision.in_prior_state else None
        if decision.actions == ("no-op",):
            after, after_unknown, after_sens = values_raw, known_raw, sens_raw
        elif not decision.planned:
            after, after_unknown, after_sens = None, Raw(b"{}"), Raw(b"false")
        else:
            merged = {**inst.values, **decision.changes}
            kept = {k: v for k, v in merged.items() if k not in decision.unknown}
            after = _raw(kept)
            after_unknown = _raw(mask(kept, decision.unknown))
            after_sens = _raw(mask(kept, inst.sensitive))
        change: dict[str, Any] = {
            "actions": list(decision.actions),
            "before": before,
            "after": after,
            "after_unknown": after_unknown,
            "before_sensitive": sens_raw if before is not None else Raw(b"false"),
            "after_sensitive": after_sens,
        }
        if decision.replace_paths:
            change["replace_paths"] = [[path] for path in decision.replace_paths]
        entry = _header(inst)
        entry["change"] = change
        if decision.reason:
            entry["action_reason"] = decision.reason
        self.change = entry
        self.planned: dict[str, Any] | None = None
        if decision.planned:
            self.planned = {
                **_header_state(inst),
                "values": after,
                "sensitive_values": after_sens,
            }
        self.prior: dict[str, Any] | None = None
        if decision.in_prior_state:
            self.prior = _prior(inst, values_raw, sens_raw, depends_on)


def _header_state(inst: Instance) -> dict[str, Any]:
    head = _header(inst)
    head.pop("module_address", None)
    head["schema_version"] = inst.schema_version
    return head


def _prior(inst: Instance, values: Raw, sens: Raw, depends_on: tuple[str, ...]) -> dict[str, Any]:
    entry = {**_header_state(inst), "values": values, "sensitive_values": sens}
    if depends_on:
        entry["depends_on"] = list(depends_on)
    return entry


def _modules(entries: list[tuple[str, dict[str, Any]]], top: str) -> dict[str, Any] | None:
    """The planned_values/prior_state module object of one group (nested children included)."""
    own = [entry for module, entry in entries if module == top]
    children: dict[str, list[dict[str, Any]]] = {}
    for module, entry in entries:
        if module != top:
            children.setdefault(module, []).append(entry)
    if not own and not children:
        return None
    out: dict[str, Any] = {}
    if own:
        out["resources"] = own
    out["address"] = top
    if children:
        out["child_modules"] = [
            {"resources": items, "address": module} for module, items in sorted(children.items())
        ]
    return out


class _Spool:
    """A temporary file collecting comma-separated JSON items."""

    def __init__(self, directory: Path) -> None:
        self.file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by copy_to)
        self.count = 0

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.count:
            self.file.write(b",")
        self.file.write(chunk)
        self.count += 1

    def copy_to(self, out: IO[bytes]) -> None:
        self.file.seek(0)
        shutil.copyfileobj(self.file, out, 1 << 22)
        self.file.close()


def _items(values: list[dict[str, Any]]) -> bytes:
    """Encode a list and drop its brackets (to splice into a streamed array)."""
    return _plain.encode(values)[1:-1]


def write_terraform_plan(estate: Estate, mix_name: str, path: Path) -> None:
    """Write the plan of `estate` under `mix_name` to `path`."""
    env = estate.env
    depends = transitive_depends_on()
    mix = Mix(mix_name, env.seed, [s.name for s in estate.services])
    groups = estate.groups()
    first = [next(groups), next(groups)]
    changes, planned, prior = (_Spool(path.parent) for _ in range(3))
    root_planned: list[dict[str, Any]] = []
    root_prior: list[dict[str, Any]] = []
    cascade_vpc = False

    def process(group: Group, decisions: dict[str, Decision]) -> None:
        nonlocal cascade_vpc
        rc: list[dict[str, Any]] = []
        pv: list[tuple[str, dict[str, Any]]] = []
        ps: list[tuple[str, dict[str, Any]]] = []
        for inst in group.instances:
            if inst.mode != "managed":
                ps.append(
                    (
                        inst.module,
                        _prior(inst, _raw(inst.values), _raw({}), depends.get(inst.config, ())),
                    )
                )
                continue
            decision = decisions[inst.address]
            cascade_vpc = cascade_vpc or (inst.type == "aws_vpc" and decision.replaced)
            encoded = _Encoded(inst, decision, depends.get(inst.config, ()))
            rc.append(encoded.change)
            if encoded.planned is not None:
                pv.append((inst.module, encoded.planned))
            if encoded.prior is not None:
                ps.append((inst.module, encoded.prior))
        changes.add(_items(rc))
        if not group.module:
            root_planned.extend(entry for _, entry in pv)
            root_prior.extend(entry for _, entry in ps)
            return
        for spool, entries in ((planned, pv), (prior, ps)):
            module = _modules(entries, group.module)
            if module is not None:
                spool.add(_plain.encode(module))

    root, network = first
    # The root references the network: decide the network first, write the root first.
    network_decisions = mix.decide_group(network.module, network.instances, keep=True)
    process(root, mix.decide_group(root.module, root.instances, keep=True))
    process(network, network_decisions)
    for group in groups:
        process(group, mix.decide_group(group.module, group.instances))

    teardown = mix_name == "teardown"
    outputs = _outputs(estate, cascade_vpc)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as out:
        out.write(b'{"format_version":"1.2","terraform_version":"1.9.8","variables":')
        out.write(_encoder.encode(_variables(estate, mix_name)))
        out.write(b',"planned_values":{')
        if not teardown:
            out.write(b'"outputs":' + _plain.encode(outputs["planned"]) + b",")
        out.write(b'"root_module":{')
        if root_planned:
            out.write(b'"resources":' + _plain.encode(root_planned))
        if planned.count:
            out.write(b',"child_modules":[')
            planned.copy_to(out)
            out.write(b"]")
        out.write(b'}},"resource_changes":[')
        changes.copy_to(out)
        out.write(b'],"output_changes":')
        out.write(_plain.encode(outputs["teardown" if teardown else "changes"]))
        out.write(b',"prior_state":{"format_version":"1.0","terraform_version":"1.9.8",')
        out.write(b'"values":{"outputs":' + _plain.encode(outputs["prior"]))
        out.write(b',"root_module":{"resources":' + _plain.encode(root_prior))
        out.write(b',"child_modules":[')
        prior.copy_to(out)
        out.write(b"]}}},")
        out.write(b'"configuration":')
        out.write(_plain.encode(configuration_json(env.account_id, env.environment)))
        out.write(b',"timestamp":"' + TIMESTAMP.encode() + b'"')
        out.write(b',"applyable":true,"complete":true,"errored":false}')
    tmp.replace(path)


def _variables(estate: Estate, mix_name: str) -> dict[str, Any]:
    env = estate.env
    services = {s.name: {"database": s.database, "instances": s.instances} for s in estate.services}
    return {
        "alert_webhook_token": {"value": env.secret("alert_webhook_token")},
        "ami_id": {"value": "ami-0" + env.hexid("ami")},
        "certificate_arn": {"value": env.arn("acm", f"certificate/{env.hexid('cert', 8)}")},
        "environment": {"value": env.environment},
        "region": {"value": env.region},
        "services": {"value": services},
        "tags": {"value": {"ManagedBy": "terraform"}},
        "vpc_cidr": {"value": "10.50.0.0/16" if mix_name == "vpc-cascade" else "10.40.0.0/16"},
    }


def _outputs(estate: Estate, vpc_replaced: bool) -> dict[str, Any]:
    env = estate.env
    vpc_id = "vpc-0" + env.hexid("module.network" + "vpc")
    values = {
        "alert_webhook_token": (env.secret("alert_webhook_token"), True),
        "lb_dns_name": (f"{env.environment}-edge-1234567890.{env.region}.elb.amazonaws.com", False),
        "vpc_id": (vpc_id, False),
    }
    planned: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    teardown: dict[str, Any] = {}
    prior: dict[str, Any] = {}
    for name, (value, sensitive) in values.items():
        unknown = vpc_replaced and name == "vpc_id"
        planned[name] = {"sensitive": sensitive, "type": "string"}
        if not unknown:
            planned[name]["value"] = value
        changes[name] = {
            "actions": ["update"] if unknown else ["no-op"],
            "before": value,
            "after": None if unknown else value,
            "after_unknown": unknown,
            "before_sensitive": sensitive,
            "after_sensitive": sensitive,
        }
        teardown[name] = {
            "actions": ["delete"],
            "before": value,
            "after": None,
            "after_unknown": False,
            "before_sensitive": sensitive,
            "after_sensitive": False,
        }
        prior[name] = {"sensitive": sensitive, "value": value, "type": "string"}
    return {"planned": planned, "changes": changes, "teardown": teardown, "prior": prior}
