"""A small GBNF recognizer for tests: does a grammar (as llama.cpp reads it) accept a string?

It reads the subset of GBNF that ``simgen.llm.grammar`` writes — rules ``name ::= alt | alt``,
string literals with ``\\"``/``\\\\`` escapes, character classes with ranges, groups and the
postfix operators ``? * + {m,n}`` — and answers ``accepts(text)`` by computing, for every
(rule, position), the set of positions where a match can end (memoised; the grammar must not be
left-recursive, which llama.cpp forbids too). Tests use it to prove that every hand-written
family program is inside the grammar and that hostile programs are outside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class _Lit:
    text: str


@dataclass(frozen=True)
class _Class:
    ranges: tuple  # ((lo, hi), ...)


@dataclass(frozen=True)
class _Ref:
    name: str


@dataclass(frozen=True)
class _Seq:
    items: tuple


@dataclass(frozen=True)
class _Alt:
    options: tuple


@dataclass(frozen=True)
class _Rep:
    item: object
    lo: int
    hi: int | None


class GBNF:
    """A parsed grammar; ``accepts(text, root="root")`` tells whether the whole text matches."""

    def __init__(self, text: str):
        self.rules = {}
        for line in text.strip().splitlines():
            name, _, body = line.partition("::=")
            self.rules[name.strip()] = _Parser(body.strip()).parse()
        self._memo: dict = {}

    def accepts(self, text: str, root: str = "root") -> bool:
        """Whether ``text`` is in the language of ``root``."""
        self._memo, self._text, self._active = {}, text, set()
        return len(text) in self._match(_Ref(root), 0)

    def _match(self, node, pos: int) -> frozenset:
        text = self._text
        if isinstance(node, _Lit):
            return frozenset([pos + len(node.text)]) if text.startswith(node.text, pos) else frozenset()
        if isinstance(node, _Class):
            if pos < len(text) and any(lo <= text[pos] <= hi for lo, hi in node.ranges):
                return frozenset([pos + 1])
            return frozenset()
        if isinstance(node, _Ref):
            key = (node.name, pos)
            if key not in self._memo:
                if key in self._active:
                    raise ValueError(f"left recursion through {node.name!r}")
                self._active.add(key)
                self._memo[key] = self._match(self.rules[node.name], pos)
                self._active.discard(key)
            return self._memo[key]
        if isinstance(node, _Seq):
            ends = frozenset([pos])
            for item in node.items:
                ends = frozenset(e2 for e in ends for e2 in self._match(item, e))
                if not ends:
                    break
            return ends
        if isinstance(node, _Alt):
            return frozenset(e for option in node.options for e in self._match(option, pos))
        if isinstance(node, _Rep):
            out = {pos} if node.lo == 0 else set()
            frontier, count = {pos}, 0
            while frontier and (node.hi is None or count < node.hi):
                count += 1
                frontier = {e2 for e in frontier for e2 in self._match(node.item, e) if e2 != e}
                if count >= node.lo:
                    new = frontier - out
                    out |= frontier
                    if node.hi is None and not new:
                        break
            return frozenset(out)
        raise TypeError(node)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


class _Parser:
    """Recursive-descent parser of one rule body."""

    def __init__(self, text: str):
        self.s, self.i = text, 0

    def parse(self):
        node = self._alt()
        self._ws()
        if self.i != len(self.s):
            raise ValueError(f"GBNF: unexpected {self.s[self.i:self.i + 20]!r}")
        return node

    def _ws(self):
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1

    def _alt(self):
        options = [self._seq()]
        self._ws()
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            options.append(self._seq())
            self._ws()
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def _seq(self):
        items = []
        while True:
            self._ws()
            if self.i >= len(self.s) or self.s[self.i] in "|)":
                return _Seq(tuple(items))
            items.append(self._postfix(self._atom()))

    def _atom(self):
        c = self.s[self.i]
        if c == '"':
            return _Lit(self._quoted('"'))
        if c == "[":
            return self._class()
        if c == "(":
            self.i += 1
            node = self._alt()
            self._ws()
            assert self.s[self.i] == ")", self.s[self.i:]
            self.i += 1
            return node
        m = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*").match(self.s, self.i)
        if not m:
            raise ValueError(f"GBNF: unexpected {self.s[self.i:self.i + 20]!r}")
        self.i = m.end()
        return _Ref(m.group())

    def _quoted(self, end: str) -> str:
        self.i += 1
        out = []
        while self.s[self.i] != end:
            if self.s[self.i] == "\\":
                self.i += 1
                out.append(_ESCAPES.get(self.s[self.i], self.s[self.i]))
            else:
                out.append(self.s[self.i])
            self.i += 1
        self.i += 1
        return "".join(out)

    def _class(self):
        self.i += 1
        chars = []
        while self.s[self.i] != "]":
            if self.s[self.i] == "\\":
                self.i += 1
            chars.append(self.s[self.i])
            self.i += 1
        self.i += 1
        ranges, k = [], 0
        while k < len(chars):
            if k + 2 < len(chars) and chars[k + 1] == "-":
                ranges.append((chars[k], chars[k + 2]))
                k += 3
            else:
                ranges.append((chars[k], chars[k]))
                k += 1
        return _Class(tuple(ranges))

    def _postfix(self, node):
        if self.i < len(self.s):
            c = self.s[self.i]
            if c in "?*+":
                self.i += 1
                return _Rep(node, 0 if c in "?*" else 1, 1 if c == "?" else None)
            m = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.s, self.i)
            if m:
                self.i = m.end()
                lo = int(m.group(1))
                hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
                return _Rep(node, lo, hi)
        return node
