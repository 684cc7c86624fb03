"""Score stage: each resource type's risk model entry, looked up once per plan.

Input: the `RiskModel`. Output: `TypeRisks`: the entry of a type, and of one
`kubernetes_manifest` object by its manifest's apiVersion and kind (a `PersistentVolumeClaim`
is data-bearing, a `Namespace` foundational), as scoring and the blast radii read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from planrisk.model import EMPTY_RAW, ResourceChange
from planrisk.values import decode_members

if TYPE_CHECKING:
    from msgspec import Raw

    from planrisk.score.risk_model import RiskModel
    from planrisk.score.risk_model_parse import TypeRisk


class TypeRisks:
    """Risk model entries by type and by manifest kind, each looked up once."""

    def __init__(self, risk_model: RiskModel) -> None:
        self.risk_model = risk_model
        self._risks: dict[str, TypeRisk] = {}
        self._manifests: dict[tuple[str, str] | None, TypeRisk] = {}

    def risk(self, type_: str) -> TypeRisk:
        """The risk model entry of a type (looked up once per type)."""
        found = self._risks.get(type_)
        if found is None:
            found = self._risks[type_] = self.risk_model.lookup(type_)
        return found

    def manifest_risk(self, values: Raw) -> TypeRisk:
        """The entry of one `kubernetes_manifest` object, by its manifest's apiVersion and
        kind (`RiskModel.lookup_manifest`; the generic entry when unreadable).

        Such an object keeps the `kubernetes_manifest` entry's guards and credential paths
        (written for the manifest's attributes, not for the typed resource's).
        """
        key = manifest_kind(values)
        found = self._manifests.get(key)
        if found is None:
            generic = self.risk(MANIFEST_TYPE)
            found = generic
            if key is not None:
                entry = self.risk_model.lookup_manifest(*key)
                if entry is not generic:
                    found = msgspec.structs.replace(
                        entry, guards=generic.guards, credentials=generic.credentials
                    )
            self._manifests[key] = found
        return found


MANIFEST_TYPE = "kubernetes_manifest"
"""The Terraform type whose objects are classified by their manifest's apiVersion and kind."""


_MANIFEST = {"manifest"}


def manifest_kind(values: Raw) -> tuple[str, str] | None:
    """(apiVersion, kind) of a `kubernetes_manifest` object's values; None when unreadable."""
    manifest = decode_members(values, _MANIFEST).get("manifest")
    if not isinstance(manifest, dict):
        return None
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str) and api_version and kind:
        return api_version, kind
    return None


def object_values(change: ResourceChange | None) -> Raw:
    """The values that describe a change's object: after the change, else before (a delete)."""
    if change is None:
        return EMPTY_RAW
    after = change.after
    return change.before if not after or after == EMPTY_RAW else after
