"""Score stage: a `kubernetes_manifest` is classified by its manifest's apiVersion and kind.

Changes are built by hand and scored through the real graph builder and the built-in risk
model (whose kubernetes entries name Pulumi tokens that `RiskModel.lookup_manifest` matches).
"""

from __future__ import annotations

from typing import Any

import pytest

from planrisk.model import Action, Resource
from tests.support.builders import change, raw, resource
from tests.support.scoring import MODEL, assess, one, scored


def manifest(api_version: str | None, kind: str | None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"metadata": {"name": "x", "namespace": "prod"}, "spec": spec}
    if api_version is not None:
        body["apiVersion"] = api_version
    if kind is not None:
        body["kind"] = kind
    return {"manifest": body, "object": None}


@pytest.mark.parametrize(
    ("api_version", "kind", "token"),
    [
        ("v1", "PersistentVolumeClaim", "kubernetes:core/v1:PersistentVolumeClaim"),
        ("v1", "Namespace", "kubernetes:core/v1:Namespace"),
        (
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
        ),
    ],
)
def test_listed_kind_takes_its_class(api_version: str, kind: str, token: str) -> None:
    expected = MODEL.lookup(token).risk_class
    assert expected != MODEL.lookup("kubernetes_manifest").risk_class  # the check can fail
    deleted = change(
        "kubernetes_manifest.x",
        "kubernetes_manifest",
        Action.DELETE,
        before=manifest(api_version, kind),
    )
    assert one(deleted).risk_class == expected


@pytest.mark.parametrize(
    "values",
    [
        manifest("example.com/v1", "Widget"),  # a custom resource nobody listed
        manifest(None, "Namespace"),  # no apiVersion
        manifest("v1", None),  # no kind
        {"object": {}},  # no manifest
        None,  # values unknown
    ],
)
def test_unlisted_or_unreadable_manifest_keeps_the_generic_entry(values: Any) -> None:
    deleted = change("kubernetes_manifest.x", "kubernetes_manifest", Action.DELETE, before=values)
    assert one(deleted).risk_class == MODEL.lookup("kubernetes_manifest").risk_class


def test_update_is_classified_by_the_manifest_after_the_change() -> None:
    updated = change(
        "kubernetes_manifest.ns",
        "kubernetes_manifest",
        Action.UPDATE,
        before=manifest("v1", "Namespace"),
        after=manifest("v1", "Namespace", x=1),
    )
    assert one(updated).risk_class == MODEL.lookup("kubernetes:core/v1:Namespace").risk_class


def test_a_manifest_dependent_weighs_as_its_kind() -> None:
    pvc_class = MODEL.lookup("kubernetes:core/v1:PersistentVolumeClaim").risk_class
    pvc = Resource(
        address="kubernetes_manifest.claim",
        type="kubernetes_manifest",
        name="claim",
        depends_on=("kubernetes_manifest.ns",),
        values=raw(manifest("v1", "PersistentVolumeClaim")),
    )
    deleted = change(
        "kubernetes_manifest.ns",
        "kubernetes_manifest",
        Action.DELETE,
        before=manifest("v1", "Namespace"),
    )
    result = scored(
        assess(deleted, resources=(pvc, resource("kubernetes_manifest.ns", "kubernetes_manifest"))),
        "kubernetes_manifest.ns",
    )
    assert result.blast_radius.by_class == {pvc_class: 1}
