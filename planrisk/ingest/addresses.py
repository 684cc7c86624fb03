"""Terraform resource addresses (ingest stage, reused by graph): tokenize and format.

Input: an absolute instance address such as `module.a["x"].aws_instance.web["a.b"]`, or its
parts. Output: `AddressPart`s (module calls and the resource, each with its instance key) and
the canonical text form. Addresses are never split on `.`: for_each keys may hold `.`, `]`,
`"`, `\\`, spaces and unicode. Keys are read in both quoting styles Terraform used (HCL escapes
since TF 1.3, Go `%q` before) and written in the HCL style.
"""

from __future__ import annotations

from typing import NamedTuple

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_HEX_WIDTH = {"u": 4, "U": 8, "x": 2}
_WRITE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

Key = int | str | None
"""An instance key: count index, for_each key (`"*"` for an unknown expansion), or none."""


class AddressPart(NamedTuple):
    """One step of an address: a module call or the resource itself."""

    kind: str
    """`module`, or the resource mode (`managed`, `data`, `ephemeral`)."""
    name: str
    """Module call name, or `TYPE.NAME` for the resource."""
    key: Key
    """Instance key, if any."""


class ParsedAddress(NamedTuple):
    """A tokenized resource instance address."""

    modules: tuple[AddressPart, ...]
    """Module calls from the root down."""
    resource: AddressPart
    """The resource step."""
    rest: str
    """What follows the resource (an attribute traversal in a reference), without the dot."""

    @property
    def module(self) -> str:
        """The module instance address (`module.a["x"].module.b`), empty in the root."""
        return ".".join(f"module.{p.name}{format_key(p.key)}" for p in self.modules)


def parse_address(text: str) -> ParsedAddress:
    """Tokenize an absolute resource (instance) address; ValueError when it is not one."""
    return _Tokenizer(text).run()


def hcl_quote(text: str) -> str:
    """`text` as an HCL quoted string literal, quotes included (Terraform >= 1.3 escapes)."""
    parts: list[str] = []
    for ch in text:
        escaped = _WRITE_ESCAPES.get(ch)
        if escaped is not None:
            parts.append(escaped)
        elif not ch.isprintable():
            code = ord(ch)
            parts.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            parts.append(ch)
    body = "".join(parts).replace("${", "$${").replace("%{", "%%{")
    return f'"{body}"'


def format_key(key: Key) -> str:
    """`[0]`, `["a.b"]` (HCL escapes) or `` for no key."""
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{hcl_quote(key)}]"


def build_address(module: str, mode: str, type_: str, name: str, key: Key) -> str:
    """Absolute instance address from its parts (`module.m.data.aws_ami.x[0]`)."""
    prefix = "data." if mode == "data" else "ephemeral." if mode == "ephemeral" else ""
    local = f"{prefix}{type_}.{name}{format_key(key)}"
    return f"{module}.{local}" if module else local


class _Tokenizer:
    """A cursor over one address string."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def run(self) -> ParsedAddress:
        modules: list[AddressPart] = []
        while True:
            word = self.ident()
            if word == "module":
                self.expect(".")
                name = self.ident()
                modules.append(AddressPart("module", name, self.key()))
                self.expect(".")
                continue
            mode = "managed"
            if word in ("data", "ephemeral"):
                mode = word
                self.expect(".")
                word = self.ident()
            self.expect(".")
            resource = AddressPart(mode, f"{word}.{self.ident()}", self.key())
            rest = self.text[self.pos :]
            if rest and not rest.startswith((".", "[")):
                raise ValueError(f"unexpected text after resource address: {self.text!r}")
            return ParsedAddress(tuple(modules), resource, rest.removeprefix("."))

    def ident(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text) and (text[self.pos].isalnum() or text[self.pos] in "_-"):
            self.pos += 1
        if self.pos == start:
            raise ValueError(f"expected a name at offset {start} of {text!r}")
        return text[start : self.pos]

    def expect(self, char: str) -> None:
        if not self.text.startswith(char, self.pos):
            raise ValueError(f"expected {char!r} at offset {self.pos} of {self.text!r}")
        self.pos += 1

    def key(self) -> Key:
        text = self.text
        if not text.startswith("[", self.pos):
            return None
        self.pos += 1
        if text.startswith('"', self.pos):
            self.pos += 1
            value: Key = self.quoted()
        elif text.startswith("*", self.pos):
            self.pos += 1
            value = "*"
        else:
            end = text.find("]", self.pos)
            if end < 0:
                raise ValueError(f"unterminated key in {text!r}")
            value = int(text[self.pos : end])
            self.pos = end
        self.expect("]")
        return value

    def quoted(self) -> str:
        text = self.text
        buf: list[str] = []
        while True:
            if self.pos >= len(text):
                raise ValueError(f"unterminated quoted key in {text!r}")
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(buf)
            if char == "\\":
                escape = text[self.pos + 1 : self.pos + 2]
                self.pos += 2
                if escape in _HEX_WIDTH:
                    width = _HEX_WIDTH[escape]
                    buf.append(chr(int(text[self.pos : self.pos + width], 16)))
                    self.pos += width
                elif not escape:
                    raise ValueError(f"dangling escape in {text!r}")
                else:
                    buf.append(_ESCAPES.get(escape, escape))
            elif char in "$%" and text.startswith(char + "{", self.pos + 1):
                buf.append(char)
                self.pos += 2
            else:
                buf.append(char)
                self.pos += 1
