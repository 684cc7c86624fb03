"""Benchmark writer, Pulumi: a `pulumi preview --json` digest of the estate with N steps.

Input: a seed, a step count N and a mix name. Output: the preview digest (4-space indented,
as the CLI prints it): config (secrets blinded), steps (root stack, an explicit aws provider,
one component per module instance, then its resources — with URNs of stack `prod`, parent,
provider references, oldState/newState inputs and outputs, dependencies, propertyDependencies,
replace steps with replaceReasons and detailedDiff, secrets as "[secret]"), diagnostics,
duration and changeSummary. Listing is as with `--show-sames`, so every resource has a step.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec

from benchmarks.attributes import COMPUTED
from benchmarks.estate import Estate, build_estate, plan_services
from benchmarks.instance import Instance
from benchmarks.mixes import Decision, Mix

STACK = "prod"
PROJECT = "platform"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = "[secret]"
_PREFIX = f"urn:pulumi:{STACK}::{PROJECT}::"
STACK_URN = f"{_PREFIX}pulumi:pulumi:Stack::{PROJECT}-{STACK}"
AWS_PROVIDER_URN = f"{_PREFIX}pulumi:providers:aws::aws-{STACK}"
RANDOM_PROVIDER_URN = f"{_PREFIX}pulumi:providers:random::default_4_16_7"

TYPES = {
    "aws_cloudwatch_log_group": "aws:cloudwatch/logGroup:LogGroup",
    "aws_cloudwatch_metric_alarm": "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws_db_instance": "aws:rds/instance:Instance",
    "aws_db_subnet_group": "aws:rds/subnetGroup:SubnetGroup",
    "aws_eip": "aws:ec2/eip:Eip",
    "aws_flow_log": "aws:ec2/flowLog:FlowLog",
    "aws_iam_instance_profile": "aws:iam/instanceProfile:InstanceProfile",
    "aws_iam_role": "aws:iam/role:Role",
    "aws_iam_role_policy": "aws:iam/rolePolicy:RolePolicy",
    "aws_instance": "aws:ec2/instance:Instance",
    "aws_internet_gateway": "aws:ec2/internetGateway:InternetGateway",
    "aws_lb": "aws:lb/loadBalancer:LoadBalancer",
    "aws_lb_listener": "aws:lb/listener:Listener",
    "aws_lb_listener_rule": "aws:lb/listenerRule:ListenerRule",
    "aws_lb_target_group": "aws:lb/targetGroup:TargetGroup",
    "aws_nat_gateway": "aws:ec2/natGateway:NatGateway",
    "aws_route_table": "aws:ec2/routeTable:RouteTable",
    "aws_route_table_association": "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws_s3_bucket": "aws:s3/bucketV2:BucketV2",
    "aws_s3_bucket_versioning": "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws_security_group": "aws:ec2/securityGroup:SecurityGroup",
    "aws_sns_topic": "aws:sns/topic:Topic",
    "aws_sqs_queue": "aws:sqs/queue:Queue",
    "aws_subnet": "aws:ec2/subnet:Subnet",
    "aws_vpc": "aws:ec2/vpc:Vpc",
    "random_password": "random:index/randomPassword:RandomPassword",
}
"""Terraform type of the estate → Pulumi type token."""

OPS = {"no-op": "same", "update": "update", "create": "create", "delete": "delete"}


def camel(name: str) -> str:
    """`vpc_security_group_ids` → `vpcSecurityGroupIds`."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


class _Urns:
    """URNs of estate instances and of the components that parent them."""

    def __init__(self) -> None:
        self.by_address: dict[str, str] = {}

    @staticmethod
    def component(module: str) -> tuple[str, str]:
        """(type, urn) of the component standing for a module instance."""
        if module.startswith("module.network"):
            return "platform:index:Network", f"{_PREFIX}platform:index:Network::network"
        service = module.split('"')[1]
        return "platform:index:Service", f"{_PREFIX}platform:index:Service::{service}"

    def add(self, inst: Instance) -> str:
        suffix = "" if inst.index is None else f"-{inst.index}"
        if inst.module:
            parent_type, _ = self.component(inst.module)
            owner = (
                "network"
                if inst.module.startswith("module.network")
                else (inst.module.split('"')[1])
            )
            qualified = f"{parent_type}${TYPES[inst.type]}"
            name = f"{owner}-{inst.name}{suffix}"
        else:
            qualified, name = TYPES[inst.type], f"{inst.name}{suffix}"
        urn = f"{_PREFIX}{qualified}::{name}"
        self.by_address[inst.address] = urn
        return urn


def _state(
    inst: Instance,
    urn: str,
    parent: str,
    provider: str,
    deps: dict[str, list[str]],
    values: dict[str, Any],
    known: bool,
) -> dict[str, Any]:
    inputs = {
        camel(k): (SECRET if k in inst.sensitive else v)
        for k, v in values.items()
        if k not in COMPUTED or k == "result"
    }
    inputs.pop("result", None)
    state: dict[str, Any] = {"urn": urn, "custom": True}
    if known:
        state["id"] = values.get("id", UNKNOWN)
    state["type"] = TYPES[inst.type]
    state["inputs"] = inputs
    state["outputs"] = (
        {camel(k): (SECRET if k in inst.sensitive else v) for k, v in values.items()}
        if known
        else {}
    )
    state["parent"] = parent
    state["provider"] = provider
    state["dependencies"] = sorted({u for urns in deps.values() for u in urns})
    state["propertyDependencies"] = deps
    return state


def _step(inst: Instance, decision: Decision, urns: _Urns) -> dict[str, Any]:
    urn = urns.by_address[inst.address]
    parent = urns.component(inst.module)[1] if inst.module else STACK_URN
    provider_urn = RANDOM_PROVIDER_URN if inst.type.startswith("random_") else AWS_PROVIDER_URN
    provider = f"{provider_urn}::{_provider_id(provider_urn)}"
    deps = {
        camel(attr): sorted(urns.by_address[t] for t in targets if t in urns.by_address)
        for attr, targets in sorted(inst.refs.items())
    }
    deps = {k: v for k, v in deps.items() if v}
    op = "replace" if decision.replaced else OPS[decision.actions[0]]
    step: dict[str, Any] = {"op": op, "urn": urn, "provider": provider}
    if decision.in_prior_state:
        step["oldState"] = _state(inst, urn, parent, provider, deps, inst.values, True)
    if decision.planned:
        after = {
            k: (UNKNOWN if k in decision.unknown else v)
            for k, v in {**inst.values, **decision.changes}.items()
        }
        known = op == "same"
        step["newState"] = _state(
            inst,
            urn,
            parent,
            provider,
            deps,
            inst.values if known else after,
            known or op == "update",
        )
    changed = sorted(
        {camel(k) for k in (*decision.changes, *decision.unknown) if k not in COMPUTED}
    )
    if op in ("update", "replace"):
        step["diffReasons"] = changed
    if op == "replace":
        step["replaceReasons"] = [camel(p) for p in decision.replace_paths]
    step["detailedDiff"] = (
        {
            name: {
                "kind": "update-replace"
                if op == "replace" and name in step["replaceReasons"]
                else "update",
                "inputDiff": False,
            }
            for name in changed
        }
        if op in ("update", "replace")
        else None
    )
    return step


def _provider_id(urn: str) -> str:
    return str(hashlib.blake2b(urn.encode(), digest_size=16).hexdigest())


def _component_step(urn: str, type_: str, op: str) -> dict[str, Any]:
    state: dict[str, Any] = {"urn": urn, "custom": False, "type": type_, "outputs": {}}
    if urn != STACK_URN:  # the stack is the root: it has no parent
        state["parent"] = STACK_URN
    step: dict[str, Any] = {"op": op, "urn": urn}
    if op != "create":
        step["oldState"] = state
    if op != "delete":
        step["newState"] = state
    step["detailedDiff"] = None
    return step


def _resources_for_steps(seed: int, steps: int) -> int:
    """Estate size whose steps (resources + components + stack + provider) come closest to N."""
    resources = steps
    for _ in range(8):
        overhead = 3 + len(plan_services(seed, max(resources, 50)))
        resources = max(steps - overhead, 50)
    return resources


def write_pulumi_preview(seed: int, steps: int, mix_name: str, path: Path) -> None:
    """Write the preview digest of `steps` steps to `path`."""
    estate: Estate = build_estate(seed, _resources_for_steps(seed, steps))
    mix = Mix(mix_name, seed, [s.name for s in estate.services])
    teardown = mix_name == "teardown"
    whole = "delete" if teardown else "same"
    out: list[dict[str, Any]] = [
        _component_step(STACK_URN, "pulumi:pulumi:Stack", whole),
        {
            "op": whole,
            "urn": AWS_PROVIDER_URN,
            **{
                key: {
                    "urn": AWS_PROVIDER_URN,
                    "custom": True,
                    "id": _provider_id(AWS_PROVIDER_URN),
                    "type": "pulumi:providers:aws",
                    "inputs": {"region": "eu-west-1", "version": "6.66.0"},
                    "outputs": {"region": "eu-west-1", "version": "6.66.0"},
                    "parent": STACK_URN,
                }
                for key in (("oldState",) if teardown else ("oldState", "newState"))
            },
            "detailedDiff": None,
        },
    ]
    urns = _Urns()
    groups = estate.groups()
    root, network = next(groups), next(groups)
    network_decisions = mix.decide_group(network.module, network.instances, keep=True)
    root_decisions = mix.decide_group(root.module, root.instances, keep=True)
    for inst in [*network.instances, *root.instances]:
        if inst.mode == "managed":
            urns.add(inst)
    for group, decisions in ((network, network_decisions), (root, root_decisions)):
        _emit(group.module, group.instances, decisions, urns, out, whole)
    for group in groups:
        for inst in group.instances:
            urns.add(inst)
        decisions = mix.decide_group(group.module, group.instances)
        _emit(group.module, group.instances, decisions, urns, out, whole)
        for inst in group.instances:
            urns.by_address.pop(inst.address, None)
    out = out[:steps]
    summary: dict[str, int] = {}
    for step in out:
        summary[step["op"]] = summary.get(step["op"], 0) + 1
    document = {
        "config": {
            "aws:region": "eu-west-1",
            f"{PROJECT}:alertWebhookToken": SECRET,
            f"{PROJECT}:environment": STACK,
        },
        "steps": out,
        "diagnostics": [],
        "duration": 4648932611 + steps * 1000,
        "changeSummary": dict(sorted(summary.items())),
    }
    encoded = msgspec.json.format(msgspec.json.encode(document), indent=4)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(encoded + b"\n")
    tmp.replace(path)


def _emit(
    module: str,
    instances: list[Instance],
    decisions: dict[str, Decision],
    urns: _Urns,
    out: list[dict[str, Any]],
    whole: str,
) -> None:
    if module:
        type_, urn = urns.component(module.split(".module.")[0])
        if module.count("module.") == 1:
            out.append(_component_step(urn, type_, whole))
    for inst in instances:
        if inst.mode == "managed":
            out.append(_step(inst, decisions[inst.address], urns))
