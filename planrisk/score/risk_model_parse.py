"""Risk model files (score stage, parsing the model): TOML bytes → validated entries.

Input: one risk model file's label and bytes (a built-in `risk_models/*.toml` file or a user's).
Output: a `ParsedFile` of `TypeRisk` entries (class, guards, credential attributes) and the
optional `[default]` entry, and where the built-in files are. The types here are what the
scorer reads; `planrisk.score.risk_model` merges the files into a `RiskModel`.

Validation is strict: an unknown key, an unknown class/kind/condition, a value of the wrong
type, a duplicate type in one file, a wrong `schema_version` or a TOML syntax error raises
`RiskModelError` naming the file and the key path (`resource[12].guard[0].when: …`).
The file format is documented in `risk_models/README.md`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from planrisk.errors import RiskModelError
from planrisk.model import RiskClass

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SCHEMA_VERSION = 1
"""The only `schema_version` this loader reads."""

RISK_CLASSES: tuple[str, ...] = tuple(RiskClass)
"""Risk classes, most severe first (`guard`: deleting the resource weakens a protection)."""

CLASS_WEIGHTS: Mapping[str, float] = {
    "data-bearing": 3.0,
    "foundational": 2.0,
    "standard": 1.0,
    "cheap": 0.25,
    "guard": 1.0,
}
"""Weight W of a dependent of each class in the blast-radius sum."""

GUARD_KINDS: tuple[str, ...] = ("blocking", "recovery", "destructive", "kept")
"""blocking: the delete fails at apply; recovery: the data can be restored; destructive: the
delete wipes more than it must; kept: the object stays in the cloud (the delete is a forget)."""

CONDITIONS: tuple[str, ...] = (
    "true",
    "false",
    "nonempty",
    "empty",
    "equals",
    "not_equals",
    "at_least",
    "at_most",
    "always",
)
"""Values of `when`."""

VALUE_CONDITIONS: frozenset[str] = frozenset({"equals", "not_equals", "at_least", "at_most"})
"""Conditions that need a `value`."""

NUMERIC_CONDITIONS: frozenset[str] = frozenset({"at_least", "at_most"})
"""Conditions whose `value` must be a number."""

SCOPES: tuple[str, ...] = ("resource", "provider")
"""resource: the attribute is read from the object's values; provider: from the provider
block's configuration expressions (e.g. azurerm `features`)."""

Scalar = str | int | float | bool
PathStep = str | int

_PATH_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
_TYPE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PULUMI_TOKEN = re.compile(r"[^\s:]+:[^\s:]*:[^\s:]+")
_BUILTIN_LABEL = "risk_models"


class Condition(msgspec.Struct, frozen=True, kw_only=True):
    """One test on one attribute."""

    attribute: str
    """Dotted path as written in the file (`settings[0].deletion_protection_enabled`)."""
    path: tuple[PathStep, ...]
    """The parsed path."""
    when: str
    """One of CONDITIONS."""
    value: Scalar | None = None
    """Operand of equals / not_equals / at_least / at_most."""
    scope: str = "resource"
    """One of SCOPES."""
    default: Scalar | None = None
    """Value assumed when the attribute is absent or null (the provider's default)."""


class Guard(msgspec.Struct, frozen=True, kw_only=True):
    """A protection (or an explicit destructive flag) of a resource type."""

    kind: str
    """One of GUARD_KINDS."""
    condition: Condition
    """The main condition; its attribute names the guard."""
    also: tuple[Condition, ...] = ()
    """Further conditions that must all hold too."""
    text: str = ""
    """Fixed reason text; empty means `attribute=value` is derived from the value."""

    @property
    def attribute(self) -> str:
        """The attribute the guard is named after."""
        return self.condition.attribute


class TypeRisk(msgspec.Struct, frozen=True, kw_only=True):
    """What planrisk knows about one resource type."""

    type: str
    """Terraform type (for a Pulumi-only entry: its first token; for an unknown type: the name
    looked up)."""
    pulumi: tuple[str, ...] = ()
    """Pulumi type tokens of the same resource."""
    risk_class: RiskClass = RiskClass.STANDARD
    """One of RISK_CLASSES."""
    guards: tuple[Guard, ...] = ()
    """Guards evaluated on the object being destroyed or updated."""
    credentials: tuple[str, ...] = ()
    """Attribute paths a rotated credential lands in (e.g. `password`)."""
    aliases: tuple[str, ...] = ()
    """Other Terraform type names of the same resource (deprecated un-versioned names)."""
    known: bool = True
    """False for the default entry returned for an unlisted type."""
    source: str = ""
    """The file the entry came from."""

    @property
    def weight(self) -> float:
        """The class weight W used in blast-radius sums."""
        return CLASS_WEIGHTS[self.risk_class]


def builtin_model_directory() -> Traversable:
    """Where the shipped TOML files are.

    In the installed package (`planrisk/risk_models`, force-included into the wheel); for an
    editable install or a source checkout, the repository's `risk_models/`; for a package
    imported from an archive, its resources (`importlib.resources`, imported only then).
    """
    package = Path(__file__).resolve().parents[1]  # planrisk/
    directory: Traversable = package / "risk_models"
    if not directory.is_dir():
        directory = package.parent / "risk_models"
    if not directory.is_dir():
        import importlib.resources

        directory = importlib.resources.files("planrisk") / "risk_models"
    if not directory.is_dir():
        raise RiskModelError(
            "the built-in risk model files are missing",
            source=str(directory),
            hint="reinstall planrisk (the wheel ships planrisk/risk_models/*.toml)",
        )
    return directory


def builtin_model_files(
    directory: Traversable | None = None,
) -> tuple[tuple[str, Traversable], ...]:
    """The shipped TOML files (of `builtin_model_directory()` unless given) as (label, file),
    sorted by name."""
    if directory is None:
        directory = builtin_model_directory()
    files = sorted(
        (f for f in directory.iterdir() if f.name.endswith(".toml") and f.is_file()),
        key=lambda f: f.name,
    )
    return tuple((f"{_BUILTIN_LABEL}/{f.name}", f) for f in files)


class ParsedFile(msgspec.Struct, frozen=True):
    """One validated model file."""

    entries: tuple[TypeRisk, ...]
    default: TypeRisk | None


def parse_model_file(label: str, data: bytes) -> ParsedFile:
    """Validate one TOML document (named `label` in errors) and build its entries."""
    import tomllib  # only for files not read from their compiled form

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RiskModelError(f"not UTF-8 text ({exc.reason})", source=label) from None
    except tomllib.TOMLDecodeError as exc:
        raise RiskModelError(f"invalid TOML: {exc}", source=label) from None
    return _FileParser(label).parse(document)


class _FileParser:
    """Strict validation of one decoded TOML document."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, key: str, message: str) -> RiskModelError:
        return RiskModelError(f"{key}: {message}", source=self.label)

    def parse(self, document: dict[str, Any]) -> ParsedFile:
        self.check_keys(
            document, "", {"schema_version", "provider", "default", "resource", "shared_guard"}
        )
        version = document.get("schema_version")
        if version is None:
            raise self.fail("schema_version", "missing (expected 1)")
        if type(version) is not int or version != SCHEMA_VERSION:
            raise self.fail("schema_version", f"unsupported value {_show(version)} (expected 1)")
        if "provider" in document:
            self.string(document["provider"], "provider")
        shared = tuple(
            self.guard(g, f"shared_guard[{i}]")
            for i, g in enumerate(self.table_list(document.get("shared_guard", []), "shared_guard"))
        )
        default = None
        if "default" in document:
            table = self.table(document["default"], "default")
            self.check_keys(table, "default", {"class"})
            default = TypeRisk(
                type="",
                risk_class=RiskClass(
                    self.choice(table, "default", "class", RISK_CLASSES, required=True)
                ),
                known=False,
                source=self.label,
            )
        entries: list[TypeRisk] = []
        seen: dict[str, str] = {}
        for i, raw in enumerate(self.table_list(document.get("resource", []), "resource")):
            key = f"resource[{i}]"
            entry = self.resource(raw, key, shared)
            for name in entry_keys(entry):
                if name in seen:
                    raise self.fail(key, f"{_show(name)} is already defined by {seen[name]}")
                seen[name] = key
            entries.append(entry)
        return ParsedFile(tuple(entries), default)

    def resource(self, raw: Any, key: str, shared: tuple[Guard, ...]) -> TypeRisk:
        table = self.table(raw, key)
        self.check_keys(table, key, {"type", "aliases", "pulumi", "class", "credentials", "guard"})
        pulumi = self.strings(table.get("pulumi", []), f"{key}.pulumi")
        for j, token in enumerate(pulumi):
            if not _PULUMI_TOKEN.fullmatch(token):
                raise self.fail(f"{key}.pulumi[{j}]", f"not a Pulumi type token: {_show(token)}")
        aliases = self.strings(table.get("aliases", []), f"{key}.aliases")
        for j, alias in enumerate(aliases):
            self.type_name(alias, f"{key}.aliases[{j}]")
        if "type" in table:
            type_name = self.type_name(self.string(table["type"], f"{key}.type"), f"{key}.type")
        elif pulumi:
            type_name = pulumi[0]
        else:
            raise self.fail(f"{key}.type", "missing (a type, or at least one Pulumi token)")
        credentials = self.strings(table.get("credentials", []), f"{key}.credentials")
        for j, attribute in enumerate(credentials):
            self.path(attribute, f"{key}.credentials[{j}]")
        guards = tuple(
            self.guard(g, f"{key}.guard[{j}]")
            for j, g in enumerate(self.table_list(table.get("guard", []), f"{key}.guard"))
        )
        return TypeRisk(
            type=type_name,
            pulumi=pulumi,
            risk_class=RiskClass(self.choice(table, key, "class", RISK_CLASSES, required=True)),
            guards=guards + shared,
            credentials=credentials,
            aliases=aliases,
            source=self.label,
        )

    def guard(self, raw: Any, key: str) -> Guard:
        table = self.table(raw, key)
        self.check_keys(
            table, key, {"kind", "attribute", "when", "value", "scope", "default", "also", "text"}
        )
        kind = self.choice(table, key, "kind", GUARD_KINDS, required=True)
        condition = self.condition(
            {k: v for k, v in table.items() if k not in ("kind", "also", "text")}, key
        )
        also = tuple(
            self.condition(self.table(c, f"{key}.also[{j}]"), f"{key}.also[{j}]", nested=True)
            for j, c in enumerate(self.table_list(table.get("also", []), f"{key}.also"))
        )
        text = self.string(table["text"], f"{key}.text") if "text" in table else ""
        if condition.when == "always" and not text:
            raise self.fail(f"{key}.text", 'missing (required when when = "always")')
        return Guard(kind=kind, condition=condition, also=also, text=text)

    def condition(self, table: dict[str, Any], key: str, *, nested: bool = False) -> Condition:
        if nested:
            self.check_keys(table, key, {"attribute", "when", "value", "scope", "default"})
        when = self.choice(table, key, "when", CONDITIONS, required=True)
        scope = self.choice(table, key, "scope", SCOPES, required=False) or "resource"
        if when == "always":
            if nested:
                raise self.fail(f"{key}.when", '"always" is only allowed on the main condition')
            for extra in ("attribute", "value", "default"):
                if extra in table:
                    raise self.fail(f"{key}.{extra}", 'not allowed with when = "always"')
            return Condition(attribute="", path=(), when=when, scope=scope)
        if "attribute" not in table:
            raise self.fail(f"{key}.attribute", "missing")
        attribute = self.string(table["attribute"], f"{key}.attribute")
        path = self.path(attribute, f"{key}.attribute")
        value: Scalar | None = None
        if when in VALUE_CONDITIONS:
            if "value" not in table:
                raise self.fail(f"{key}.value", f"missing (required when when = {_show(when)})")
            value = self.scalar(table["value"], f"{key}.value", numeric=when in NUMERIC_CONDITIONS)
        elif "value" in table:
            raise self.fail(f"{key}.value", f"not allowed with when = {_show(when)}")
        default = self.scalar(table["default"], f"{key}.default") if "default" in table else None
        return Condition(
            attribute=attribute, path=path, when=when, value=value, scope=scope, default=default
        )

    # -- primitive checks ---------------------------------------------------------------------

    def check_keys(self, table: dict[str, Any], key: str, allowed: Iterable[str]) -> None:
        allowed_set = set(allowed)
        for name in table:
            if name not in allowed_set:
                where = f"{key}.{name}" if key else name
                expected = ", ".join(sorted(allowed_set))
                raise self.fail(where, f"unknown key (expected one of {expected})")

    def choice(
        self, table: dict[str, Any], key: str, name: str, options: Sequence[str], *, required: bool
    ) -> str:
        where = f"{key}.{name}" if key else name
        if name not in table:
            if required:
                raise self.fail(where, f"missing (expected one of {', '.join(options)})")
            return ""
        value = self.string(table[name], where)
        if value not in options:
            raise self.fail(
                where, f"unknown value {_show(value)} (expected one of {', '.join(options)})"
            )
        return value

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_type_name(value)}")
        return value

    def table_list(self, value: Any, key: str) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise self.fail(key, f"expected an array of tables, got {_type_name(value)}")
        return [self.table(item, f"{key}[{i}]") for i, item in enumerate(value)]

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_type_name(value)}")
        if not value:
            raise self.fail(key, "must not be empty")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(key, f"expected an array of strings, got {_type_name(value)}")
        return tuple(self.string(item, f"{key}[{i}]") for i, item in enumerate(value))

    def scalar(self, value: Any, key: str, *, numeric: bool = False) -> Scalar:
        if numeric:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(key, f"expected a number, got {_type_name(value)}")
            return value
        if not isinstance(value, str | int | float | bool):
            raise self.fail(key, f"expected a string, number or boolean, got {_type_name(value)}")
        return value

    def type_name(self, value: str, key: str) -> str:
        if not _TYPE_NAME.fullmatch(value):
            raise self.fail(key, f"not a Terraform resource type: {_show(value)}")
        return value

    def path(self, attribute: str, key: str) -> tuple[PathStep, ...]:
        try:
            return parse_path(attribute)
        except ValueError:
            raise self.fail(
                key, f"invalid attribute path {_show(attribute)} (expected a.b[0].c)"
            ) from None


def entry_keys(entry: TypeRisk) -> tuple[str, ...]:
    """The names an entry is found by: type, aliases, Pulumi tokens (each once)."""
    return tuple(dict.fromkeys((entry.type, *entry.aliases, *entry.pulumi)))


def parse_path(attribute: str) -> tuple[PathStep, ...]:
    """Parse a dotted path: `settings[0].enabled` → ("settings", 0, "enabled")."""
    steps: list[PathStep] = []
    for segment in attribute.split("."):
        match = _PATH_SEGMENT.fullmatch(segment)
        if match is None:
            raise ValueError(attribute)
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(steps)


def _type_name(value: Any) -> str:
    """TOML name of a decoded value's type, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    """A value quoted for an error message."""
    if isinstance(value, str):
        return msgspec.json.encode(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
