"""Benchmark action mixes: what the generated plan does to each instance of the estate.

Input: the estate's instances (values, references) and a mix name. Output: a `Decision` per
managed instance — the action, the attributes that become unknown, the attributes that change,
the replace paths and the action reason — consistent across references (an attribute that
references a replaced object is unknown; it forces a replacement when the provider says so).

Mixes: `routine` (~2% updates, ~1% creates, two instance replacements), `vpc-cascade` (the VPC
is replaced because its cidr_block changed and everything in it follows), `teardown` (every
managed instance is deleted).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.attributes import COMPUTED
from benchmarks.instance import Instance

MIXES = ("routine", "vpc-cascade", "teardown")

FORCE_NEW: dict[str, frozenset[str]] = {
    "aws_vpc": frozenset({"cidr_block"}),
    "aws_subnet": frozenset({"vpc_id", "cidr_block", "availability_zone"}),
    "aws_security_group": frozenset({"vpc_id", "name"}),
    "aws_lb_target_group": frozenset({"vpc_id", "name", "port"}),
    "aws_route_table": frozenset({"vpc_id"}),
    "aws_route_table_association": frozenset({"subnet_id"}),
    "aws_nat_gateway": frozenset({"subnet_id", "allocation_id"}),
    "aws_flow_log": frozenset({"vpc_id"}),
    "aws_instance": frozenset({"subnet_id", "ami"}),
}
"""Arguments whose change forces replacement (AWS provider schema, for the generated types)."""

CREATABLE = frozenset(
    {
        "aws_instance",
        "aws_cloudwatch_metric_alarm",
        "aws_s3_bucket_versioning",
        "aws_lb_listener_rule",
    }
)
"""Types nothing else references: creating one leaves the rest of the plan consistent."""


@dataclass(slots=True)
class Decision:
    """What the plan does to one managed instance."""

    actions: tuple[str, ...] = ("no-op",)
    unknown: frozenset[str] = frozenset()
    changes: dict[str, Any] = field(default_factory=dict)
    replace_paths: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def in_prior_state(self) -> bool:
        """The object exists before the plan."""
        return self.actions != ("create",)

    @property
    def planned(self) -> bool:
        """The object exists after the plan."""
        return self.actions != ("delete",)

    @property
    def replaced(self) -> bool:
        """A replacement: its computed attributes become unknown."""
        return len(self.actions) == 2


NOOP = Decision()
DELETE = Decision(actions=("delete",))


def replace(
    inst: Instance,
    paths: frozenset[str],
    unknown: frozenset[str],
    changes: dict[str, Any],
    create_first: bool = False,
) -> Decision:
    """A replacement forced by `paths`."""
    computed = frozenset(COMPUTED & inst.values.keys())
    return Decision(
        actions=("create", "delete") if create_first else ("delete", "create"),
        unknown=(unknown | computed) - changes.keys(),
        changes=changes,
        replace_paths=tuple(sorted(paths)),
        reason="replace_because_cannot_update",
    )


class Mix:
    """Decides instance by instance; decisions of referenced instances are made first."""

    def __init__(self, name: str, seed: int, services: list[str]) -> None:
        if name not in MIXES:
            raise ValueError(f"unknown mix {name!r}: choose one of {', '.join(MIXES)}")
        self.name = name
        self.seed = seed
        picker = random.Random(f"replaced:{seed}")
        self.replaced_services = set(picker.sample(services, min(2, len(services))))
        self.decided: dict[str, Decision] = {}
        self.lookup: dict[str, Instance] = {}

    def register(self, instances: list[Instance]) -> None:
        """Make instances available to references from later groups."""
        for inst in instances:
            self.lookup[inst.address] = inst

    def decide_group(
        self, module: str, instances: list[Instance], keep: bool = False
    ) -> dict[str, Decision]:
        """Decisions for every managed instance of one group (`keep`: later groups refer to it)."""
        self.register(instances)
        rng = random.Random(f"{self.seed}:{self.name}:{module}")
        decide: Callable[[Instance, random.Random], Decision] = {
            "routine": self._routine,
            "vpc-cascade": self._cascade,
            "teardown": self._teardown,
        }[self.name]
        out: dict[str, Decision] = {}
        for inst in instances:
            if inst.mode == "managed":
                out[inst.address] = self.decided.get(inst.address) or decide(inst, rng)
        if not keep:
            for inst in instances:
                self.lookup.pop(inst.address, None)
                self.decided.pop(inst.address, None)
        return out

    def _teardown(self, inst: Instance, rng: random.Random) -> Decision:
        return DELETE

    def _routine(self, inst: Instance, rng: random.Random) -> Decision:
        draw = rng.random()
        service = inst.module.split('"')[1] if inst.module.startswith("module.service[") else ""
        if inst.address.endswith("aws_instance.app[0]") and service in self.replaced_services:
            ami = "ami-0" + format(rng.getrandbits(68), "017x")
            first = sorted(self.replaced_services)[0] == service
            return replace(inst, frozenset({"ami"}), frozenset(), {"ami": ami}, create_first=first)
        if draw < 0.01 and inst.type in CREATABLE:
            return Decision(actions=("create",), unknown=frozenset(COMPUTED & inst.values.keys()))
        if draw < 0.03 and "tags" in inst.values:
            tags = {**inst.values["tags"], "CostCenter": f"cc-{rng.randrange(16**4):04x}"}
            tags_all = {**inst.values["tags_all"], "CostCenter": tags["CostCenter"]}
            return Decision(actions=("update",), changes={"tags": tags, "tags_all": tags_all})
        if draw < 0.035 and inst.type == "aws_sqs_queue":
            return Decision(actions=("update",), changes={"visibility_timeout_seconds": 120})
        return NOOP

    def _cascade(self, inst: Instance, rng: random.Random) -> Decision:
        if inst.address in self.decided:
            return self.decided[inst.address]
        if inst.type == "aws_vpc":
            decision = replace(
                inst, frozenset({"cidr_block"}), frozenset(), {"cidr_block": "10.50.0.0/16"}
            )
        else:
            unknown = frozenset(
                attr
                for attr, targets in inst.refs.items()
                if any(self._replaced(target, rng) for target in targets)
            )
            forced = unknown & FORCE_NEW.get(inst.type, frozenset())
            if forced:
                decision = replace(inst, forced, unknown, {})
            elif unknown:
                decision = Decision(actions=("update",), unknown=unknown)
            else:
                decision = NOOP
        self.decided[inst.address] = decision
        return decision

    def _replaced(self, address: str, rng: random.Random) -> bool:
        return self._cascade(self.lookup[address], rng).replaced
