"""Benchmark estate, configuration side: the static `configuration` block of the generated plans.

Input: the environment constants (account id, region). Output: the Terraform `configuration`
object (provider_config, root_module with module_calls, outputs, variables) in TF >= 1.0.1
reference style, and the transitive state `depends_on` of every config resource, computed from
the same expressions so that prior_state and configuration always agree.

The estate: a root module with an ALB and an SNS topic, `module.network` (VPC, subnets, NAT,
route tables, flow logs) and `module.service` (for_each over service names) which calls
`module.logs`. Services reach the network only through module inputs fed by network outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Expr = Any
"""Spec of one expression: `C(value)`, a list of traversal strings, a dict (block) or a list
of dicts (repeated blocks)."""


@dataclass(frozen=True, slots=True)
class C:
    """A constant expression."""

    value: Any


@dataclass(frozen=True, slots=True)
class Res:
    """A resource block of the spec (module-relative)."""

    type: str
    name: str
    exprs: dict[str, Expr]
    mode: str = "managed"
    count: list[str] | None = None
    for_each: list[str] | None = None
    depends_on: tuple[str, ...] = ()
    schema_version: int = 0

    @property
    def address(self) -> str:
        """Module-relative config address."""
        prefix = "data." if self.mode == "data" else ""
        return f"{prefix}{self.type}.{self.name}"


@dataclass(frozen=True, slots=True)
class Call:
    """A module block of the spec."""

    source: str
    exprs: dict[str, list[str] | C]
    module: Mod
    for_each: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Mod:
    """A module of the spec."""

    resources: tuple[Res, ...]
    calls: dict[str, Call] = field(default_factory=dict)
    outputs: dict[str, tuple[list[str], bool]] = field(default_factory=dict)
    variables: dict[str, tuple[Any, bool]] = field(default_factory=dict)
    """name → (default or None, sensitive)."""


def _tags(*extra: str) -> dict[str, Expr]:
    return {"tags": ["var.tags", *extra]}


LOGS = Mod(
    resources=(
        Res(
            "aws_cloudwatch_log_group",
            "this",
            {"name": ["var.name"], "retention_in_days": ["var.retention_in_days"], **_tags()},
        ),
        Res(
            "aws_cloudwatch_metric_alarm",
            "errors",
            {
                "alarm_name": ["var.name"],
                "comparison_operator": C("GreaterThanThreshold"),
                "dimensions": ["aws_cloudwatch_log_group.this.name"],
                "threshold": C(5),
                **_tags(),
            },
            schema_version=1,
        ),
    ),
    outputs={"log_group_name": (["aws_cloudwatch_log_group.this.name"], False)},
    variables={"name": (None, False), "retention_in_days": (30, False), "tags": ({}, False)},
)

SERVICE = Mod(
    resources=(
        Res("aws_iam_instance_profile", "this", {"role": ["aws_iam_role.this.name"]}),
        Res("aws_iam_role", "this", {"assume_role_policy": {}, "name": ["var.name"], **_tags()}),
        Res(
            "aws_iam_role_policy",
            "this",
            {
                "policy": [
                    "aws_s3_bucket.artifacts.arn",
                    "aws_sqs_queue.events.arn",
                    "var.account_id",
                ],
                "role": ["aws_iam_role.this.id"],
            },
        ),
        Res(
            "aws_instance",
            "app",
            {
                "ami": ["var.ami_id"],
                "iam_instance_profile": ["aws_iam_instance_profile.this.name"],
                "instance_type": C("m6i.large"),
                "subnet_id": ["var.subnet_ids", "count.index"],
                "user_data": ["var.name", "module.logs.log_group_name"],
                "vpc_security_group_ids": ["aws_security_group.this.id"],
                "root_block_device": [{"volume_size": C(50), "encrypted": C(True)}],
                **_tags("count.index"),
            },
            count=["var.instance_count"],
            schema_version=1,
        ),
        Res(
            "aws_lb_listener_rule",
            "this",
            {
                "listener_arn": ["var.listener_arn"],
                "action": [
                    {"target_group_arn": ["aws_lb_target_group.this.arn"], "type": C("forward")}
                ],
                "condition": [{"host_header": [{"values": ["var.name"]}]}],
            },
        ),
        Res(
            "aws_lb_target_group",
            "this",
            {"name": ["var.name"], "port": C(8080), "vpc_id": ["var.vpc_id"], **_tags()},
        ),
        Res("aws_s3_bucket", "artifacts", {"bucket": ["var.name", "var.account_id"], **_tags()}),
        Res(
            "aws_s3_bucket_versioning",
            "artifacts",
            {
                "bucket": ["aws_s3_bucket.artifacts.id"],
                "versioning_configuration": [{"status": C("Enabled")}],
            },
        ),
        Res(
            "aws_security_group",
            "this",
            {"name": ["var.name"], "vpc_id": ["var.vpc_id"], **_tags()},
            schema_version=1,
        ),
        Res("aws_sqs_queue", "events", {"name": ["var.name"], **_tags()}),
        Res(
            "random_password",
            "db",
            {"length": C(32), "special": C(True)},
            count=["var.with_db"],
            schema_version=3,
        ),
        Res(
            "aws_db_subnet_group",
            "this",
            {"name": ["var.name"], "subnet_ids": ["var.subnet_ids"]},
            count=["var.with_db"],
        ),
        Res(
            "aws_db_instance",
            "this",
            {
                "db_subnet_group_name": ["aws_db_subnet_group.this[0].name"],
                "engine": C("postgres"),
                "identifier": ["var.name"],
                "password": ["random_password.db[0].result"],
                "vpc_security_group_ids": ["aws_security_group.this.id"],
                **_tags(),
            },
            count=["var.with_db"],
            schema_version=2,
        ),
    ),
    calls={"logs": Call("./modules/logs", {"name": ["var.name"], "tags": ["var.tags"]}, LOGS)},
    outputs={
        "security_group_id": (["aws_security_group.this.id"], False),
        "target_group_arn": (["aws_lb_target_group.this.arn"], False),
    },
    variables=dict.fromkeys(
        (
            "account_id",
            "ami_id",
            "instance_count",
            "listener_arn",
            "name",
            "subnet_ids",
            "tags",
            "vpc_id",
            "with_db",
        ),
        (None, False),
    ),
)

_SUBNET = {
    "availability_zone": ["data.aws_availability_zones.available.names", "count.index"],
    "cidr_block": ["var.cidr_block", "count.index"],
    "vpc_id": ["aws_vpc.this.id"],
    **_tags("count.index"),
}

NETWORK = Mod(
    resources=(
        Res("aws_availability_zones", "available", {"state": C("available")}, mode="data"),
        Res("aws_cloudwatch_log_group", "flow", {"name": ["var.name"], **_tags()}),
        Res(
            "aws_eip",
            "nat",
            {"domain": C("vpc"), **_tags("count.index")},
            count=["var.az_count"],
            depends_on=("aws_internet_gateway.this",),
        ),
        Res(
            "aws_flow_log",
            "this",
            {
                "iam_role_arn": ["aws_iam_role.flow.arn"],
                "log_destination": ["aws_cloudwatch_log_group.flow.arn"],
                "traffic_type": C("ALL"),
                "vpc_id": ["aws_vpc.this.id"],
            },
        ),
        Res("aws_iam_role", "flow", {"assume_role_policy": {}, "name": ["var.name"]}),
        Res("aws_internet_gateway", "this", {"vpc_id": ["aws_vpc.this.id"], **_tags()}),
        Res(
            "aws_nat_gateway",
            "this",
            {
                "allocation_id": ["aws_eip.nat", "count.index"],
                "subnet_id": ["aws_subnet.public", "count.index"],
                **_tags("count.index"),
            },
            count=["var.az_count"],
        ),
        Res(
            "aws_route_table",
            "private",
            {
                "route": [
                    {
                        "cidr_block": C("0.0.0.0/0"),
                        "nat_gateway_id": ["aws_nat_gateway.this", "count.index"],
                    }
                ],
                "vpc_id": ["aws_vpc.this.id"],
                **_tags("count.index"),
            },
            count=["var.az_count"],
        ),
        Res(
            "aws_route_table",
            "public",
            {
                "route": [
                    {"cidr_block": C("0.0.0.0/0"), "gateway_id": ["aws_internet_gateway.this.id"]}
                ],
                "vpc_id": ["aws_vpc.this.id"],
                **_tags(),
            },
        ),
        Res(
            "aws_route_table_association",
            "private",
            {
                "route_table_id": ["aws_route_table.private", "count.index"],
                "subnet_id": ["aws_subnet.private", "count.index"],
            },
            count=["var.az_count"],
        ),
        Res(
            "aws_route_table_association",
            "public",
            {
                "route_table_id": ["aws_route_table.public.id"],
                "subnet_id": ["aws_subnet.public", "count.index"],
            },
            count=["var.az_count"],
        ),
        Res(
            "aws_security_group",
            "lb",
            {"name": ["var.name"], "vpc_id": ["aws_vpc.this.id"], **_tags()},
            schema_version=1,
        ),
        Res("aws_subnet", "private", _SUBNET, count=["var.az_count"], schema_version=1),
        Res("aws_subnet", "public", _SUBNET, count=["var.az_count"], schema_version=1),
        Res(
            "aws_vpc",
            "this",
            {"cidr_block": ["var.cidr_block"], "enable_dns_hostnames": C(True), **_tags()},
            schema_version=1,
        ),
    ),
    outputs={
        "lb_security_group_id": (["aws_security_group.lb.id"], False),
        "private_subnet_ids": (["aws_subnet.private"], False),
        "public_subnet_ids": (["aws_subnet.public"], False),
        "vpc_id": (["aws_vpc.this.id"], False),
    },
    variables={
        "az_count": (3, False),
        "cidr_block": (None, False),
        "name": (None, False),
        "tags": ({}, False),
    },
)

ROOT = Mod(
    resources=(
        Res("aws_caller_identity", "current", {}, mode="data"),
        Res(
            "aws_lb",
            "main",
            {
                "internal": C(False),
                "load_balancer_type": C("application"),
                "name": ["var.environment"],
                "security_groups": ["module.network.lb_security_group_id"],
                "subnets": ["module.network.public_subnet_ids"],
                **_tags(),
            },
        ),
        Res(
            "aws_lb_listener",
            "https",
            {
                "certificate_arn": ["var.certificate_arn"],
                "load_balancer_arn": ["aws_lb.main.arn"],
                "port": C(443),
                "protocol": C("HTTPS"),
                "default_action": [{"type": C("fixed-response")}],
            },
        ),
        Res("aws_sns_topic", "alerts", {"name": ["var.environment"], **_tags()}),
    ),
    calls={
        "network": Call(
            "./modules/network",
            {"cidr_block": ["var.vpc_cidr"], "name": ["var.environment"], "tags": ["var.tags"]},
            NETWORK,
        ),
        "service": Call(
            "./modules/service",
            {
                "account_id": ["data.aws_caller_identity.current.account_id"],
                "ami_id": ["var.ami_id"],
                "instance_count": ["each.value.instances"],
                "listener_arn": ["aws_lb_listener.https.arn"],
                "name": ["each.key"],
                "subnet_ids": ["module.network.private_subnet_ids"],
                "tags": ["var.tags"],
                "vpc_id": ["module.network.vpc_id"],
                "with_db": ["each.value.database"],
            },
            SERVICE,
            for_each=["var.services"],
        ),
    },
    outputs={
        "alert_webhook_token": (["var.alert_webhook_token"], True),
        "lb_dns_name": (["aws_lb.main.dns_name"], False),
        "vpc_id": (["module.network.vpc_id"], False),
    },
    variables={
        "alert_webhook_token": (None, True),
        "ami_id": (None, False),
        "certificate_arn": (None, False),
        "environment": ("prod", False),
        "region": ("eu-west-1", False),
        "services": (None, False),
        "tags": ({}, False),
        "vpc_cidr": ("10.40.0.0/16", False),
    },
)

_ROOT_MIN = {"data": 3, "var": 2, "local": 2, "module": 2, "each": 2, "count": 2, "path": 2}


def references(traversal: str) -> list[str]:
    """TF >= 1.0.1 references of one traversal: every prefix, longest first, then key-less."""
    parts = traversal.split(".")
    minimum = _ROOT_MIN.get(parts[0], 2)
    out: list[str] = []
    for end in range(len(parts), minimum - 1, -1):
        out.append(".".join(parts[:end]))
    last = parts[minimum - 1]
    if "[" in last:
        out.append(".".join([*parts[: minimum - 1], last[: last.index("[")]]))
    return out


def _expr_json(spec: Expr) -> Any:
    if isinstance(spec, C):
        return {"constant_value": spec.value}
    if isinstance(spec, dict):
        return {key: _expr_json(value) for key, value in spec.items()}
    if spec and isinstance(spec[0], dict):
        return [_expr_json(block) for block in spec]
    return {"references": [ref for traversal in spec for ref in references(traversal)]}


def _module_json(mod: Mod, path: str, keys: dict[str, str]) -> dict[str, Any]:
    resources = []
    for res in sorted(mod.resources, key=lambda r: r.address):
        entry: dict[str, Any] = {
            "address": res.address,
            "mode": res.mode,
            "type": res.type,
            "name": res.name,
            "provider_config_key": keys.get(res.type.split("_")[0], "aws"),
            "expressions": _expr_json(res.exprs),
            "schema_version": res.schema_version,
        }
        if res.count:
            entry["count_expression"] = _expr_json(res.count)
        if res.depends_on:
            entry["depends_on"] = list(res.depends_on)
        resources.append(entry)
    out: dict[str, Any] = {
        "outputs": {
            name: {"expression": _expr_json(refs), **({"sensitive": True} if sens else {})}
            for name, (refs, sens) in sorted(mod.outputs.items())
        },
        "resources": resources,
    }
    if mod.calls:
        calls = {}
        for name, call in sorted(mod.calls.items()):
            child_path = f"{path}module.{name}."
            entry = {"source": call.source, "expressions": _expr_json(call.exprs)}
            if call.for_each:
                entry["for_each_expression"] = _expr_json(call.for_each)
            entry["module"] = _module_json(call.module, child_path, keys)
            calls[name] = entry
        out["module_calls"] = calls
    variables: dict[str, Any] = {}
    for name, (default, sens) in sorted(mod.variables.items()):
        var: dict[str, Any] = {}
        if default is not None:
            var["default"] = default
        var["description"] = f"{name.replace('_', ' ').capitalize()}."
        if sens:
            var["sensitive"] = True
        variables[name] = var
    out["variables"] = variables
    return out


def configuration_json(account_id: str, environment: str) -> dict[str, Any]:
    """The `configuration` object of the plan."""
    role = f"arn:aws:iam::{account_id}:role/terraform-{environment}"
    providers = {
        "aws": {
            "name": "aws",
            "full_name": "registry.terraform.io/hashicorp/aws",
            "version_constraint": "~> 5.70",
            "expressions": {
                "assume_role": [
                    {
                        "role_arn": {"constant_value": role},
                        "session_name": {"constant_value": "terraform-ci"},
                    }
                ],
                "region": {"references": ["var.region"]},
            },
        },
        "random": {
            "name": "random",
            "full_name": "registry.terraform.io/hashicorp/random",
            "version_constraint": "~> 3.6",
        },
    }
    return {
        "provider_config": providers,
        "root_module": _module_json(ROOT, "", {"aws": "aws", "random": "random"}),
    }


# ---------------------------------------------------------------------------------------------
# Transitive config dependencies (what Terraform records as state `depends_on`).

Path = tuple[str, ...]


def _modules() -> dict[Path, Mod]:
    found: dict[Path, Mod] = {}

    def walk(mod: Mod, path: Path) -> None:
        found[path] = mod
        for name, call in mod.calls.items():
            walk(call.module, (*path, name))

    walk(ROOT, ())
    return found


def _traversals(spec: Expr) -> list[str]:
    if isinstance(spec, C):
        return []
    if isinstance(spec, dict):
        return [t for value in spec.values() for t in _traversals(value)]
    if spec and isinstance(spec[0], dict):
        return [t for block in spec for t in _traversals(block)]
    return list(spec)


def _absolute(path: Path, address: str) -> str:
    return "".join(f"module.{name}." for name in path) + address


def _strip(word: str) -> str:
    return word.split("[", 1)[0]


def _resolve(mods: dict[Path, Mod], path: Path, traversal: str) -> set[str]:
    parts = [_strip(p) for p in traversal.split(".")]
    root = parts[0]
    if root in ("count", "each", "path", "terraform", "self", "local"):
        return set()
    if root == "var":
        if not path:
            return set()
        call = mods[path[:-1]].calls[path[-1]]
        spec = call.exprs.get(parts[1])
        if spec is None or isinstance(spec, C):
            return set()
        return {a for t in spec for a in _resolve(mods, path[:-1], t)}
    if root == "module":
        child = (*path, parts[1])
        refs, _ = mods[child].outputs[parts[2]]
        return {a for t in refs for a in _resolve(mods, child, t)}
    if root == "data":
        return {_absolute(path, f"data.{parts[1]}.{parts[2]}")}
    return {_absolute(path, f"{parts[0]}.{parts[1]}")}


def transitive_depends_on() -> dict[str, tuple[str, ...]]:
    """Absolute config address → sorted transitive dependencies (the state `depends_on`)."""
    mods = _modules()
    direct: dict[str, set[str]] = {}
    for path, mod in mods.items():
        callers: list[str] = []
        for depth in range(len(path)):
            call = mods[path[:depth]].calls[path[depth]]
            for t in call.for_each or []:
                callers.extend(_resolve(mods, path[:depth], t))
        for res in mod.resources:
            deps = set(callers)
            for t in [*_traversals(res.exprs), *(res.count or [])]:
                deps |= _resolve(mods, path, t)
            deps |= {_absolute(path, d) for d in res.depends_on}
            direct[_absolute(path, res.address)] = deps
    closed: dict[str, tuple[str, ...]] = {}

    def close(address: str) -> tuple[str, ...]:
        if address not in closed:
            found = set(direct[address])
            for dep in direct[address]:
                found |= set(close(dep))
            closed[address] = tuple(sorted(found))
        return closed[address]

    for address in direct:
        close(address)
    return closed
