"""A typed GBNF grammar of the question DSL, generated from the signature table.

llama.cpp (and llama-cpp-python's server) constrain sampling with a GBNF grammar sent as
``grammar`` in the request body. ``dsl_grammar(slot_types, answer_type)`` builds one from
``simgen.qa.signatures.FUNCTIONS``/``CONSTANTS``: one nonterminal per DSL type (``obj``, ``objs``,
``q-m``, ``key-m``, ``label-leftright``, …) whose alternatives are the calls returning that type,
so a model constrained by it can only write single-expression programs whose calls are known
functions with arguments of the right types. Units are kept apart (``q-m`` never stands where
``q-cm`` is expected); unit products (``m*m``), assignments and string escapes are left out on
purpose: the grammar is a *subset* of the DSL, the parser and type checker still decide, and
nothing the grammar admits is trusted. Output is a single line (no newlines, one optional space
between tokens) so a small model cannot loop on whitespace.
"""
from __future__ import annotations

import itertools
import re

from simgen.qa.dsl import CONSTANTS, FUNCTIONS
from simgen.qa.program import parse_type
from simgen.qa.families import RESULT_KINDS
from simgen.qa.signatures import REQUIRED, UNITS, Type

__all__ = ["dsl_grammar", "symbol_of", "root_kinds", "NAMES"]

# Names an assignment may bind, by type (the checker demands each is defined before use and used).
NAMES = {"obj": ("x", "y", "z"), "pose": ("here", "there")}
_ORD = '("<=" | ">=" | "<" | ">")'
_EQ = '("==" | "!=")'
# Units whose quantities compare with == (the type checker allows exact comparison of counts and frames).
_EXACT_UNITS = ("count", "frames")
_BASE_RULES = {
    "ws": ['" "?'],
    "number": ['"-"? [0-9]{1,6} ("." [0-9]{1,4})?'],
    "int": ["[0-9]{1,5}"],
    # Category / colour names: lower-case words, as the scene catalogue names them.
    "string": ['"\\"" [a-z] [a-z0-9_ -]{0,39} "\\""'],
    "bool-lit": ['"True"', '"False"'],
}


def symbol_of(t: Type) -> str:
    """The grammar nonterminal of a DSL type (``Quantity[m]`` → ``q-m``, ``Label{left,right}`` → ``label-leftright``)."""
    kind = t.kind
    if kind == "Quantity":
        return f"q-{t.unit}"
    if kind == "Key":
        return "key" if t.unit is None else f"key-{t.unit}"
    if kind in ("Label", "Labels"):
        return kind.lower() + "-" + "".join(re.sub(r"[^a-z0-9]", "", label.lower()) for label in t.labels)
    named = {"Objs": "objs", "Str": "string"}
    return named.get(kind, kind.lower())  # obj, order, category, color, categories, frame, number, bool, pose, action, …


def _lit(text: str) -> str:
    """A GBNF string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _call_variants(sig) -> list[tuple[Type, str]]:
    """(result type, GBNF sequence) for each way of calling ``sig``: one per literal of a ``choices`` param."""
    choice_params = [p for p in sig.params if p.choices is not None]
    options = []
    for p in choice_params:
        opts = [(p.name, v, True) for v in p.choices]
        if p.default is not REQUIRED:
            opts.append((p.name, p.default, False))  # omitted: the default value
        options.append(opts)
    out = []
    for combo in itertools.product(*options) if options else [()]:
        literals = {name: value for name, value, _ in combo}
        written = {name: value for name, value, shown in combo if shown}
        out.append((sig.result_type(literals), _call_sequence(sig, written)))
    return out


def _call_sequence(sig, written: dict) -> str:
    """``name(args)``: parameters in order, each with an optional ``name=``; optional ones may be left out."""
    required = [p for p in sig.params if p.default is REQUIRED]
    optional = [p for p in sig.params if p.default is not REQUIRED and p.choices is None]
    parts = []
    for i, p in enumerate(required):
        sep = "" if i == 0 else '"," ws '
        parts.append(f'{sep}("{p.name}=")? {symbol_of(p.type)}')
    tail = [f'"{name}={value}"' for name, value in written.items()]
    seq = " ".join(parts)
    for text in tail:
        seq = f'{seq} "," ws {text}' if seq else text
    if optional:
        if seq:
            seq += " " + " ".join(f'("," ws ("{p.name}=")? {symbol_of(p.type)})?' for p in optional)
        else:  # no required argument: any non-empty run of the optional ones, the first maybe positional
            runs = []
            for i, p in enumerate(optional):
                head = f'("{p.name}=")? ' if i == 0 else f'"{p.name}=" '
                rest = " ".join(f'("," ws "{q.name}=" {symbol_of(q.type)})?' for q in optional[i + 1:])
                runs.append((head + symbol_of(p.type) + (" " + rest if rest else "")).strip())
            seq = "(" + " | ".join(runs) + ")?"
    return f'"{sig.name}(" {seq} ")"' if seq else f'"{sig.name}()"'


def root_kinds(answer_type: str | None) -> tuple[str, ...]:
    """Result kinds (Type.kind) a program may have for a family answer type (None: any)."""
    if answer_type is None:
        return tuple(sorted({k for kinds in RESULT_KINDS.values() for k in kinds}))
    if answer_type == "choice":  # a choice is an object/category among slots, or one label of a set
        return RESULT_KINDS["choice"] + RESULT_KINDS["label"]
    return RESULT_KINDS[answer_type]


def dsl_grammar(slot_types: dict[str, str] | None = None, answer_type: str | None = None,
                answer_unit: str | None = None) -> str:
    """GBNF text of single-expression DSL programs with these slots, whose result fits ``answer_type``
    (and, for a number, ``answer_unit``: a question in metres cannot be answered in centimetres)."""
    rules: dict[str, list[str]] = {k: list(v) for k, v in _BASE_RULES.items()}
    calls: dict[str, list[str]] = {}  # symbol -> call alternatives
    label_types: dict[str, Type] = {}

    def add_type(t: Type) -> None:
        if t.kind in ("Label", "Labels"):
            label_types[symbol_of(t)] = t

    for sig in sorted(FUNCTIONS.values(), key=lambda s: s.name):
        for result, seq in _call_variants(sig):
            add_type(result)
            calls.setdefault(symbol_of(result), []).append(seq)
        for p in sig.params:
            add_type(p.type)
    for const in sorted(CONSTANTS.values(), key=lambda c: c.name):
        calls.setdefault(symbol_of(const.type), []).append(_lit(const.name))
    for name, type_text in sorted((slot_types or {}).items()):
        t = type_text if isinstance(type_text, Type) else parse_type(type_text)
        calls.setdefault(symbol_of(t), []).append(_lit(name))

    def alts(symbol: str) -> list[str]:
        return list(calls.get(symbol, []))

    rules["obj"] = alts("obj")
    rules["order"] = alts("order")
    rules["objs"] = alts("objs") + ["order", '"[" ws obj ("," ws obj)* ws "]"']
    rules["category"] = alts("category") + ["string"]
    rules["color"] = alts("color") + ["string"]
    rules["categories"] = alts("categories") + ['"[" ws category ("," ws category)* ws "]"']
    rules["frame"] = alts("frame") + ["int"]
    rules["key"] = [f"key-{u}" for u in UNITS if calls.get(f"key-{u}")]
    for u in UNITS:
        if calls.get(f"key-{u}"):
            rules[f"key-{u}"] = alts(f"key-{u}")
    comparisons = ["frame ws " + f"({_ORD[1:-1]} | {_EQ[1:-1]})" + " ws frame"]
    for u in UNITS:
        q = f"q-{u}"
        atoms = alts(q) + [f'"(" ws {q} ws ")"']
        if u == "count":
            atoms.append("int")
        if u == "frames":
            atoms.append('"(" ws frame ws "-" ws frame ws ")"')
        rules[f"{q}-atom"] = atoms
        rules[f"{q}-term"] = [f'{q}-atom (ws ("*" | "/") ws scalar)*']
        rules[q] = [f'{q}-term (ws ("+" | "-") ws {q}-term)*']
        ops = f"({_ORD[1:-1]} | {_EQ[1:-1]})" if u in _EXACT_UNITS else _ORD
        comparisons.append(f"{q} ws {ops} ws {q}")
    rules["scalar"] = ["number", "q-count-atom"]
    if calls.get("action"):  # action sequences are lists of action calls
        rules["actions"] = alts("actions") + ['"[" ws action ("," ws action)* ws "]"']
    for symbol, t in sorted(label_types.items()):
        literals = [_lit(f'"{label}"') for label in t.labels]
        if t.kind == "Label":
            rules[symbol] = alts(symbol) + literals
            comparisons.append(f"{symbol} ws {_EQ} ws {symbol}")
        else:
            rules[symbol] = alts(symbol)
    comparisons += [f"obj ws {_EQ} ws obj", f"category ws {_EQ} ws category", f"color ws {_EQ} ws color"]
    rules["bool-atom"] = alts("bool") + comparisons + ["bool-lit", '"(" ws bool ws ")"']
    rules["bool-not"] = ['"not " ws bool-not', "bool-atom"]
    rules["bool-and"] = ['bool-not (" and " bool-not)*']
    rules["bool"] = ['bool-and (" or " bool-and)*']
    for symbol in calls:  # types without special forms (pose, action, …): just their calls
        rules.setdefault(symbol, alts(symbol))
    # Optional lines naming an object or a pose (`x = the(a)`) before the answer, as the DSL allows;
    # a name may then stand wherever its type may (the checker demands it is defined and used).
    assigns = []
    for symbol, names in NAMES.items():
        free = [n for n in names if n not in (slot_types or {})]
        if rules.get(symbol) and free:
            rules[f"{symbol}-name"] = [" | ".join(_lit(n) for n in free)]
            rules[symbol].append(f"{symbol}-name")
            assigns.append(f'{symbol}-name " = " {symbol}')
    rules["assign"] = assigns
    rules["root"] = ['(assign "\\n"){0,3} answer']
    rules["answer"] = _root(answer_type, label_types, calls, answer_unit)
    rules = _prune(rules)
    _check_closed(rules)
    order = ["root"] + sorted(k for k in rules if k != "root")
    return "\n".join(f"{name} ::= " + " | ".join(rules[name]) for name in order) + "\n"


def _root(answer_type: str | None, label_types: dict[str, Type], calls: dict[str, list[str]],
          unit: str | None = None) -> list[str]:
    """The top-level alternatives: expressions whose type fits the answer (labels: calls only)."""
    out = []
    for kind in root_kinds(answer_type):
        if kind == "Quantity":
            out += [f"q-{u}" for u in UNITS if unit is None or u == unit]
        elif kind == "Number" and unit is not None:
            continue  # a bare number has no unit: never an answer in one
        elif kind in ("Label", "Labels"):
            out += [f"({' | '.join(calls[s])})" for s, t in sorted(label_types.items()) if t.kind == kind and calls.get(s)]
        else:
            out.append(symbol_of(Type(kind)))
    return out


def _nonterminals(alternative: str) -> set[str]:
    """Nonterminal names used in one alternative (literals, classes and counts removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", alternative)
    text = re.sub(r"\[(?:[^\]\\]|\\.)*\]", " ", text)
    text = re.sub(r"\{\d+(,\d*)?\}", " ", text)
    return set(re.findall(r"[a-z][a-z0-9-]*", text))


def _prune(rules: dict[str, list[str]]) -> dict[str, list[str]]:
    """Drop alternatives that need a type nothing can produce, until every rule is productive."""
    rules = {k: list(v) for k, v in rules.items() if v}
    changed = True
    while changed:
        changed = False
        for name in list(rules):
            kept = [a for a in rules[name] if _nonterminals(a) <= set(rules)]
            if len(kept) != len(rules[name]):
                changed = True
                if kept:
                    rules[name] = kept
                else:
                    del rules[name]
    if "answer" not in rules:
        raise ValueError("DSL grammar: no expression of the requested answer type can be written")
    return rules


def _check_closed(rules: dict[str, list[str]]) -> None:
    """Every nonterminal used is defined (a generator bug would otherwise surface as an HTTP 500)."""
    used = set().union(*(_nonterminals(a) for v in rules.values() for a in v))
    missing = sorted(used - set(rules))
    if missing:
        raise ValueError(f"DSL grammar: nonterminals used but not defined: {missing}")
