"""Terraform address tokenizer (used by ingest, graph and score; plan-formats §1.6).

Input: an absolute instance address (`module.a["x"].aws_instance.web["a.b"]`), a config address
(`module.a.data.aws_ami.x`) or a configuration reference (`module.c["k"].out`, `var.v`,
`aws_s3_bucket.this[0].id`). Output: typed parts. Addresses are never split on `.`: instance
keys may hold `.`, `]`, `"`, `\\`, spaces and any unicode; quoted keys use HCL escapes
(TF >= 1.3) or Go `%q` escapes (older), both decoded here.
"""

from __future__ import annotations

from typing import NamedTuple

Key = int | str | None
"""An instance key: count index, for_each key, `*` (unknown expansion) or None."""

ModuleInstance = tuple[tuple[str, Key], ...]
"""A module instance path: one (call name, key) pair per level, root = ()."""

NON_RESOURCE_ROOTS = frozenset(
    {"var", "local", "count", "each", "path", "terraform", "self", "action", "module"}
)
"""First identifiers of references that do not name a resource directly."""

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_WIDTHS = {"u": 4, "U": 8, "x": 2}


class AddressError(ValueError):
    """The text is not a well-formed Terraform address or reference."""


class InstanceAddress(NamedTuple):
    """A parsed resource instance (or config) address."""

    module: ModuleInstance
    """Module instance path (keys are None in config addresses)."""
    mode: str
    """managed, data or ephemeral."""
    type: str
    """Resource type."""
    name: str
    """Resource name."""
    key: Key
    """Instance key of the resource itself."""
    rest: str
    """Text after the address (an attribute traversal in references), e.g. `.id`."""

    @property
    def module_path(self) -> tuple[str, ...]:
        """Module call names without keys (the config module path)."""
        return tuple(name for name, _ in self.module)

    @property
    def resource_key(self) -> str:
        """Module-relative config address: `aws_x.y`, `data.aws_x.y`, `ephemeral.aws_x.y`."""
        prefix = "" if self.mode == "managed" else self.mode + "."
        return f"{prefix}{self.type}.{self.name}"

    @property
    def config_address(self) -> str:
        """Absolute config address: every instance key dropped."""
        return config_address_of(self.module_path, self.resource_key)


class Reference(NamedTuple):
    """A configuration reference, classified by what it names."""

    kind: str
    """resource (managed/data/ephemeral), var, local, module, or ignored."""
    name: str
    """Variable/local name, module call name, or the resource's module-relative address."""
    key: Key = None
    """Module call key, when the reference names one module instance literally."""
    output: str | None = None
    """Module output name (None for a bare `module.C`)."""


def config_address_of(module_path: tuple[str, ...], resource_key: str) -> str:
    """`module.a.module.b.aws_x.y` from (`a`, `b`) and `aws_x.y`."""
    return "".join(f"module.{m}." for m in module_path) + resource_key


class _Scanner:
    """Cursor over an address string."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> AddressError:
        return AddressError(f"malformed address {self.text!r}: {what} at offset {self.pos}")

    def at(self, char: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] == char

    def expect(self, char: str) -> None:
        if not self.at(char):
            raise self.fail(f"expected {char!r}")
        self.pos += 1

    def ident(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text) and (text[self.pos].isalnum() or text[self.pos] in "_-"):
            self.pos += 1
        if self.pos == start:
            raise self.fail("expected a name")
        return text[start : self.pos]

    def key(self) -> Key:
        if not self.at("["):
            return None
        self.pos += 1
        if self.at('"'):
            value: Key = self._quoted()
        elif self.at("*"):
            self.pos += 1
            value = "*"
        else:
            end = self.text.find("]", self.pos)
            if end < 0:
                raise self.fail("unterminated key")
            try:
                value = int(self.text[self.pos : end])
            except ValueError:
                raise self.fail("non-numeric unquoted key") from None
            self.pos = end
        self.expect("]")
        return value

    def _quoted(self) -> str:
        text = self.text
        self.pos += 1
        buf: list[str] = []
        while True:
            if self.pos >= len(text):
                raise self.fail("unterminated quoted key")
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(buf)
            if char == "\\":
                if self.pos + 1 >= len(text):
                    raise self.fail("dangling escape")
                code = text[self.pos + 1]
                self.pos += 2
                if code in _WIDTHS:
                    width = _WIDTHS[code]
                    try:
                        buf.append(chr(int(text[self.pos : self.pos + width], 16)))
                    except ValueError:
                        raise self.fail("bad escape") from None
                    self.pos += width
                else:
                    buf.append(_ESCAPES.get(code, code))
            elif char in "$%" and text[self.pos + 1 : self.pos + 3] == char + "{":
                buf.append(char)
                self.pos += 2
            else:
                buf.append(char)
                self.pos += 1


def parse_address(address: str) -> InstanceAddress:
    """Parse `(module.NAME[KEY]?.)* (data.|ephemeral.)? TYPE.NAME[KEY]?` plus any remainder.

    Raises AddressError when the text does not have that shape.
    """
    scan = _Scanner(address)
    module: list[tuple[str, Key]] = []
    while True:
        word = scan.ident()
        if word == "module":
            scan.expect(".")
            name = scan.ident()
            module.append((name, scan.key()))
            scan.expect(".")
            continue
        mode = "managed"
        if word in ("data", "ephemeral"):
            mode = word
            scan.expect(".")
            word = scan.ident()
        scan.expect(".")
        name = scan.ident()
        key = scan.key()
        return InstanceAddress(tuple(module), mode, word, name, key, address[scan.pos :])


def parse_reference(reference: str) -> Reference:
    """Classify one configuration reference (plan-formats §1.5 `references` entries).

    Raises AddressError for text that is not a traversal.
    """
    scan = _Scanner(reference)
    root = scan.ident()
    if root in ("var", "local"):
        scan.expect(".")
        return Reference(root, scan.ident())
    if root == "module":
        scan.expect(".")
        call = scan.ident()
        key = scan.key()
        if scan.at("."):
            scan.pos += 1
            return Reference("module", call, key, scan.ident())
        return Reference("module", call, key)
    if root in NON_RESOURCE_ROOTS:
        return Reference("ignored", root)
    parsed = parse_address(reference)
    if parsed.module:
        raise AddressError(f"malformed reference {reference!r}: module path inside a reference")
    return Reference("resource", parsed.resource_key)


def is_traversal_prefix(shorter: str, longer: str) -> bool:
    """True when `shorter` is a proper traversal prefix of `longer` (`a.b` of `a.b[0].c`)."""
    return (
        len(longer) > len(shorter) and longer.startswith(shorter) and longer[len(shorter)] in ".["
    )
