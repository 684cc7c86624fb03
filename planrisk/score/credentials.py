"""Score stage: credential rotation — a replaced generator under a data-bearing credential.

Input: a change of a cheap generator type (`random_password`, `tls_private_key`…) and the plan's
graph and risk model. Output: the `credential_rotation` reason when a data-bearing dependent's
credential attribute changes or becomes unknown because of it, else None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from planrisk.model import (
    Action,
    Reason,
    ResourceChange,
)
from planrisk.score.inputs import ScoreInputs
from planrisk.score.points import CREDENTIAL_POINTS, DATA
from planrisk.values import decode, decode_members

if TYPE_CHECKING:
    pass


CREDENTIAL_TYPES = frozenset(
    {
        "random_password",
        "random_string",
        "random_id",
        "random_bytes",
        "tls_private_key",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomString:RandomString",
        "random:index/randomId:RandomId",
        "tls:index/privateKey:PrivateKey",
    }
)
"""Cheap generators whose replacement rotates a credential wherever it is used."""


def credential_rotation(change: ResourceChange, inputs: ScoreInputs) -> Reason | None:
    """A cheap generator replaced under a data-bearing resource's credential."""
    if change.type not in CREDENTIAL_TYPES:
        return None
    graph = inputs.graph
    if not graph.has(change.address):
        return None
    rotated: list[str] = []
    for dependent in sorted(graph.predecessors(change.address)):
        node = graph.node_data(dependent)
        resource, dep_change = node.resource, node.change
        dep_type = resource.type if resource is not None else dep_change.type if dep_change else ""
        if not dep_type:
            continue
        dep_risk = inputs.risk_model.lookup(dep_type)
        if dep_risk.risk_class != DATA or not dep_risk.credentials:
            continue
        attrs = credential_attributes_touched(dep_change, dep_risk.credentials)
        for attr in attrs:
            rotated.append(f"{dependent}.{attr}")
    if not rotated:
        return None
    shown = ", ".join(rotated[:3]) + (f" and {len(rotated) - 3} more" if len(rotated) > 3 else "")
    return Reason(
        text=f"rotates credential of data-bearing {shown}",
        points=CREDENTIAL_POINTS,
        tag="credential_rotation",
    )


def credential_attributes_touched(
    change: ResourceChange | None, credentials: Iterable[str]
) -> list[str]:
    """Credential attributes of a dependent that the plan changes or leaves unknown."""
    names = set(credentials)
    if change is None or change.action is not Action.UPDATE:
        # Not updated in place: a replace/delete of the dependent is scored on its own.
        return []
    unknown = decode(change.after_unknown)
    before = decode_members(change.before, names)
    after = decode_members(change.after, names)
    touched = []
    for name in sorted(names):
        now_unknown = isinstance(unknown, dict) and unknown.get(name) is True
        if now_unknown or (name in before and before.get(name) != after.get(name)):
            touched.append(name)
    return touched
