"""A small plan reader independent of planrisk's ingest, for the fail-closed properties.

Input: the bytes of a Terraform plan JSON, a `pulumi preview --json` digest or a Pulumi event
log, possibly damaged. Output: whether, read plainly with the standard library, the input
still destroys a data-bearing resource (a database, bucket, table, volume or file system)
whose destroy no guard stops or keeps in the cloud. None when the bytes are not one JSON plan
this reader can read (then no property about allowing holds). It knows nothing of planrisk's
risk model, digest or ingest code: it exists to disagree with them when they are wrong.
"""

from __future__ import annotations

import json
from typing import Any

DATA_BEARING = frozenset(
    {
        "aws_db_instance", "aws_rds_cluster", "aws_s3_bucket", "aws_dynamodb_table",
        "aws_ebs_volume", "aws_efs_file_system", "aws_elasticache_cluster",
        "google_sql_database_instance", "google_storage_bucket", "azurerm_storage_account",
        "azurerm_mssql_database", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster",
        "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", "aws:dynamodb/table:Table",
        "gcp:sql/databaseInstance:DatabaseInstance", "gcp:storage/bucket:Bucket",
    }
)  # fmt: skip
"""Types whose destroy loses data (a fixed list: planrisk's own risk model is not used)."""
GUARDS = ("deletion_protection", "deletionProtection", "skip_destroy", "prevent_destroy")
"""Attributes that, when true, make the destroy fail or keep the object."""
BUCKETS = frozenset(
    {"aws_s3_bucket", "google_storage_bucket", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2",
     "gcp:storage/bucket:Bucket"}
)  # fmt: skip
"""Buckets: their providers refuse to delete one that holds objects unless `force_destroy`
(`forceDestroy`) is true, so only such a destroy loses data."""
SNAPSHOTTED = frozenset(
    {"aws_db_instance", "aws_rds_cluster", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster"}
)
"""RDS: unless `skip_final_snapshot` (`skipFinalSnapshot`) is true, the provider takes a final
snapshot (or, without its identifier, fails the delete), so only such a destroy loses data."""
_DESTROYING_OPS = frozenset({"delete", "replace", "delete-replaced"})


def destroys_data(data: bytes) -> bool | None:
    """True/False: the plan does or does not destroy unguarded data; None: not readable."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None
    documents = _documents(text)
    if documents is None:
        return None
    if len(documents) == 1 and isinstance(documents[0], dict):
        top = documents[0]
        if isinstance(top.get("resource_changes"), list):
            return any(_tf_destroys(entry) for entry in top["resource_changes"])
        if isinstance(top.get("steps"), list):
            return any(_pulumi_destroys(step, "oldState") for step in top["steps"])
    found = False
    for document in documents:
        events = document.get("events") if isinstance(document, dict) else document
        for event in events if isinstance(events, list) else [document]:
            if not isinstance(event, dict):
                continue
            for payload in ("resourcePreEvent", "resOutputsEvent"):
                body = event.get(payload)
                if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
                    found = found or _pulumi_destroys(body["metadata"], "old")
    return found


def _documents(text: str) -> list[Any] | None:
    """The JSON documents of `text` (one, or one per line); None when it holds none."""
    try:
        return [json.loads(text)]
    except (ValueError, RecursionError):
        pass
    decoder = json.JSONDecoder()
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("{", "[")):
            try:
                found.append(decoder.raw_decode(line)[0])
            except (ValueError, RecursionError):
                continue
    return found or None


def _tf_destroys(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("change"), dict):
        return False
    change = entry["change"]
    actions = change.get("actions")
    if not isinstance(actions, list) or "delete" not in [a for a in actions if isinstance(a, str)]:
        return False
    kind = entry.get("type")
    if not isinstance(kind, str) or not kind:
        address = entry.get("address")
        kind = address.split(".")[-2] if isinstance(address, str) and "." in address else ""
    return kind in DATA_BEARING and not _guarded(kind, change.get("before"))


def _pulumi_destroys(step: Any, old_key: str) -> bool:
    if not isinstance(step, dict) or not isinstance(step.get("op"), str):
        return False
    if step["op"] not in _DESTROYING_OPS:
        return False
    urn = step.get("urn")
    kind = (
        urn.split("::")[2].split("$")[-1] if isinstance(urn, str) and urn.count("::") >= 3 else ""
    )
    old = step.get(old_key)
    if isinstance(old, dict) and (old.get("protect") is True or old.get("retainOnDelete") is True):
        return False
    inputs = old.get("inputs") if isinstance(old, dict) else None
    return kind in DATA_BEARING and not _guarded(kind, inputs)


def _guarded(kind: str, values: Any) -> bool:
    if not isinstance(values, dict):
        return False
    if kind in BUCKETS and values.get("force_destroy", values.get("forceDestroy")) is not True:
        return True
    skip = values.get("skip_final_snapshot", values.get("skipFinalSnapshot"))
    if kind in SNAPSHOTTED and skip is not True:
        return True
    return any(values.get(name) is True for name in GUARDS)
