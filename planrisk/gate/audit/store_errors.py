"""Store failures (audit stage): what a command says when the store cannot be used.

Input: a failure of the SQLite file or the PostgreSQL server. Output: a `PlanriskError` the CLI
prints as one line. An unreachable store is exit 4 like any internal error: the gate records
every decision before it answers, so without its store it decides nothing (fail closed). A store
that is reachable but unusable as configured (no tables, a schema from another version, a role
without the grants) is exit 3 with what to run.
"""

from __future__ import annotations

from planrisk.errors import ExitCode, InputError, PlanriskError


class StoreUnavailable(PlanriskError):
    """The store is configured but cannot be reached or stopped answering: exit 4."""

    exit_code = ExitCode.INTERNAL_ERROR


class StoreSchemaError(InputError):
    """The store's tables are missing, foreign or of another schema version: exit 3."""


def unreachable(label: str, reason: str) -> StoreUnavailable:
    """The error of a store that cannot be reached (`reason` already scrubbed of secrets)."""
    return StoreUnavailable(
        f"cannot reach the planrisk store ({reason}); nothing was allowed",
        source=label,
        hint="check that the server is up and reachable from here and that the URL in "
        "--store or PLANRISK_STORE is right (the password is never printed)",
    )


def version_error(label: str, found: int, latest: int) -> StoreSchemaError:
    """The error of a store whose schema is not the one this planrisk writes."""
    if found > latest:
        return StoreSchemaError(
            f"the store's schema is version {found}, newer than this planrisk's ({latest})",
            source=label,
            hint="upgrade planrisk to the version that migrated the store",
        )
    return StoreSchemaError(
        f"the store's schema is version {found}; this planrisk needs version {latest}",
        source=label,
        hint="run `planrisk store migrate --store URL` as the role that owns the tables",
    )
