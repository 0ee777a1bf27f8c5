"""LaTeX fragments in titles and abstracts -> MathML for pages, readable Unicode for the rest.

Dumps are copied from web pages that typeset math, so their text holds three kinds of LaTeX:

- math between dollars: `$\\bf{D^3}$QE`, `$O(n \\log n)$`;
- text escapes: `20\\%`, `Schr\\"odinger`, `{\\delta}`, `\\eg`;
- math whose backslashes the copy lost, left bare in the prose: `d_{data}`, `sigma_{1:T}^2`,
  `D^3QE`, `10^{-3}`.

`render(text)` gives HTML: the text escaped, and each fragment as a `<math>` element built
here from a whitelist (element names and attribute values come from the tables below, never
from the input; every character of the input is escaped). `plain(text)` gives the same reading
as Unicode text (`D³QE`, `σ_(1:T)²`, `20%`, `Schrödinger`) for titles in `<title>`, feeds, CSV,
BibTeX. A fragment that does not parse (an unknown command, unbalanced braces, a lone `$`)
stays exactly as it was written, as text. Nothing here raises on any input.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

MAX_MATH = 400  # characters in one fragment: longer is not a formula, leave it as text
MAX_DEPTH = 12  # nesting of groups, fractions, scripts

# ---------------------------------------------------------------- symbol tables

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
# Identifiers (mi): letter-like symbols.
LETTERS = {**GREEK, "infty": "∞", "partial": "∂", "nabla": "∇", "ell": "ℓ", "hbar": "ℏ",
           "emptyset": "∅", "varnothing": "∅", "aleph": "ℵ", "Re": "ℜ", "Im": "ℑ"}
# Operators (mo). Relations get spaces around them in plain text.
RELATIONS = {
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "sim": "∼", "simeq": "≃", "cong": "≅", "equiv": "≡", "propto": "∝", "in": "∈",
    "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔", "implies": "⟹",
    "iff": "⟺", "mapsto": "↦", "ll": "≪", "gg": "≫", "perp": "⊥", "parallel": "∥",
    "mid": "∣", "triangleq": "≜", "coloneqq": "≔", "prec": "≺", "succ": "≻",
    "preceq": "⪯", "succeq": "⪰", "lesssim": "≲", "gtrsim": "≳", "uparrow": "↑",
    "downarrow": "↓",
}
OPERATORS = {
    "times": "×", "cdot": "⋅", "cdotp": "⋅", "pm": "±", "mp": "∓", "div": "÷", "ast": "∗",
    "star": "⋆", "circ": "∘", "bullet": "∙", "oplus": "⊕", "otimes": "⊗", "odot": "⊙",
    "cup": "∪", "cap": "∩", "setminus": "∖", "wedge": "∧", "land": "∧", "vee": "∨",
    "lor": "∨", "neg": "¬", "lnot": "¬", "forall": "∀", "exists": "∃", "top": "⊤",
    "bot": "⊥", "prime": "′", "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮",
    "ddots": "⋱", "sum": "∑", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬",
    "oint": "∮", "bigcup": "⋃", "bigcap": "⋂", "langle": "⟨", "rangle": "⟩", "lceil": "⌈",
    "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "vert": "|", "lvert": "|", "rvert": "|",
    "Vert": "‖", "lVert": "‖", "rVert": "‖", "colon": ":", "checkmark": "✓", "dagger": "†",
    "triangle": "△", "square": "□", "angle": "∠", "degree": "°",
}
FUNCTIONS = frozenset({
    "log", "ln", "lg", "exp", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh",
    "tanh", "arcsin", "arccos", "arctan", "max", "min", "sup", "inf", "lim", "liminf",
    "limsup", "arg", "det", "dim", "ker", "deg", "gcd", "Pr", "hom", "mod", "bmod", "tr",
})
SPACES = {",": "0.17em", ":": "0.22em", ";": "0.28em", " ": "0.25em", "quad": "1em",
          "qquad": "2em", "enspace": "0.5em", "thinspace": "0.17em"}
IGNORED = frozenset({"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "big",
                     "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
                     "middle", "!", "nonumber", "notag"})
ESCAPED = {"{": "{", "}": "}", "%": "%", "$": "$", "&": "&", "#": "#", "_": "_", "|": "‖"}
ACCENTS = {"hat": "^", "widehat": "^", "tilde": "~", "widetilde": "~", "bar": "‾",
           "overline": "‾", "vec": "→", "dot": "˙", "ddot": "¨", "check": "ˇ", "breve": "˘"}
COMBINING = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
             "bar": "\u0304", "overline": "\u0305", "vec": "\u20d7", "dot": "\u0307",
             "ddot": "\u0308", "check": "\u030c", "breve": "\u0306"}
FENCES = {"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", ".": "", "<": "⟨", ">": "⟩",
          "/": "/"}
# Font commands: as a command with a group (\mathbf{x}) or a switch ({\bf x}).
FONTS = {"mathbb": "bb", "mathcal": "cal", "mathscr": "cal", "mathfrak": "frak",
         "mathbf": "bf", "boldsymbol": "bf", "bm": "bf", "bf": "bf", "mathrm": "rm",
         "rm": "rm", "mathit": "it", "it": "it", "mathsf": "sf", "sf": "sf", "mathtt": "tt",
         "tt": "tt", "mathnormal": "it"}
TEXTS = frozenset({"text", "textrm", "textbf", "textit", "textsf", "texttt", "mbox",
                   "textnormal", "emph", "textup"})
# Text-mode commands seen in abstracts (CVPR's \eg and friends).
TEXT_MACROS = {"eg": "e.g.", "ie": "i.e.", "etal": "et al.", "wrt": "w.r.t.", "vs": "vs.",
               "etc": "etc.", "cf": "cf.", "aka": "a.k.a.", "dof": "DoF", "iid": "i.i.d.",
               "ldots": "…", "dots": "…", "textendash": "–", "textemdash": "—",
               "textquoteright": "’", "textquoteleft": "‘", "S": "§", "P": "¶",
               "copyright": "©", "textregistered": "®", "texttrademark": "™",
               "textasciitilde": "~", "textbackslash": "\\", "textdegree": "°"}
TEXT_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
                "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
TEXT_ACCENTS = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
                "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
                "H": "\u030b", "r": "\u030a", "k": "\u0328"}
# Names that keep their meaning when a copy dropped the backslash (`^{circ}`, `sigma_{1:T}`).
BARE = {**GREEK, "infty": "∞", "circ": "∘", "top": "⊤", "prime": "′", "star": "⋆",
        "ast": "∗", "dagger": "†", "ell": "ℓ", "perp": "⊥"}

SUPERSCRIPT = str.maketrans("0123456789+-=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾")
SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SCRIPTABLE = frozenset("0123456789+-=()")

# Every element and attribute the MathML output can hold.
TAGS = frozenset({"math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "msub", "msup",
                  "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder"})
TOKENS = frozenset({"mi", "mn", "mo", "mtext"})


class MathError(ValueError):
    """A fragment this converter does not read: it stays as written."""


# ---------------------------------------------------------------- math nodes

@dataclass(frozen=True)
class Node:
    """One MathML element. `attrs` only ever holds values from the tables above."""

    tag: str
    text: str = ""
    children: tuple[Node, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()
    plain: str | None = None  # plain-text reading of a token when it differs from `text`
    space: bool = False  # the source had white space before it (kept in plain text)


def _mathml(node: Node) -> str:
    if node.tag not in TAGS:  # cannot happen: nodes are only made from the tables above
        raise MathError(node.tag)
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in node.attrs)
    if node.tag in TOKENS:
        return f"<{node.tag}{attrs}>{escape(node.text, quote=False)}</{node.tag}>"
    if node.tag == "mspace":
        return f"<mspace{attrs}></mspace>"
    return f"<{node.tag}{attrs}>{''.join(_mathml(c) for c in node.children)}</{node.tag}>"


def _plain(node: Node) -> str:
    tag, kids = node.tag, node.children
    if tag in TOKENS:
        out = node.text if node.plain is None else node.plain
    elif tag == "mspace":
        out = " "
    elif tag in ("mrow", "math"):
        out = "".join(_plain(c) for c in kids)
    elif tag == "msub":
        out = _plain(kids[0]) + _script("_", _plain(kids[1]).strip())
    elif tag == "msup":
        out = _plain(kids[0]) + _script("^", _plain(kids[1]).strip())
    elif tag == "msubsup":
        out = (_plain(kids[0]) + _script("_", _plain(kids[1]).strip())
               + _script("^", _plain(kids[2]).strip()))
    elif tag == "mfrac":
        out = f"{_wrap(_plain(kids[0]))}/{_wrap(_plain(kids[1]))}"
    elif tag == "msqrt":
        out = "√" + _wrap(_plain(kids[0]))
    elif tag == "mroot":
        out = _plain(kids[1]).strip() + "√" + _wrap(_plain(kids[0]))
    elif tag == "mover":
        base = _plain(kids[0])
        mark = node.plain or ""
        out = base + mark if len(base.strip()) == 1 and mark else base
    else:  # munder
        out = _plain(kids[0])
    return (" " + out.lstrip()) if node.space else out


def _script(op: str, text: str) -> str:
    if text and set(text) <= _SCRIPTABLE:
        return text.translate(SUPERSCRIPT if op == "^" else SUBSCRIPT)
    if len(text) == 1 or text.isalnum():
        return op + text
    return f"{op}({text})"


def _wrap(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _styled(ch: str, font: str | None) -> str:
    """A letter or digit in a math alphabet (Chromium's MathML shows no mathvariant but
    'normal', so bold and double-struck letters are the Unicode math alphanumerics)."""
    if font in (None, "it", "rm"):
        return ch
    special = _SPECIAL_LETTERS.get(font, {})
    if ch in special:
        return special[ch]
    starts = _ALPHABETS.get(font)
    if not starts:
        return ch
    if "A" <= ch <= "Z" and starts[0]:
        return chr(starts[0] + ord(ch) - ord("A"))
    if "a" <= ch <= "z" and starts[1]:
        return chr(starts[1] + ord(ch) - ord("a"))
    if "0" <= ch <= "9" and starts[2]:
        return chr(starts[2] + ord(ch) - ord("0"))
    return ch


_ALPHABETS = {"bf": (0x1D400, 0x1D41A, 0x1D7CE), "bb": (0x1D538, 0x1D552, 0x1D7D8),
              "cal": (0x1D49C, 0x1D4B6, 0), "frak": (0x1D504, 0x1D51E, 0),
              "sf": (0x1D5A0, 0x1D5BA, 0x1D7E2), "tt": (0x1D670, 0x1D68A, 0x1D7F6)}
_SPECIAL_LETTERS = {
    "bb": dict(zip("CHNPQRZ", "ℂℍℕℙℚℝℤ", strict=True)),
    "cal": dict(zip("BEFHILMReog", "ℬℰℱℋℐℒℳℛℯℊℴ", strict=True)),
    "frak": dict(zip("CHIRZ", "ℭℌℑℜℨ", strict=True)),
}
_PLAIN_FONTS = frozenset({"bb", "cal", "frak"})  # letters whose look is their meaning: ℝ


# ---------------------------------------------------------------- the math parser

_TOKEN = re.compile(r"\\([A-Za-z]+)|\\(.)|(\d+(?:\.\d+)?)|([A-Za-z]+)|(\s+)|(.)", re.S)


@dataclass(frozen=True)
class _Tok:
    kind: str  # cmd, sym, num, word, char
    value: str
    space: bool  # white space before it


def _tokens(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    space = False
    for m in _TOKEN.finditer(source):
        cmd, sym, num, word, blank, char = m.groups()
        if blank is not None:
            space = True
            continue
        if cmd is not None:
            out.append(_Tok("cmd", cmd, space))
        elif sym is not None:
            out.append(_Tok("sym", sym, space))
        elif num is not None:
            out.append(_Tok("num", num, space))
        elif word is not None:
            out.append(_Tok("word", word, space))
        else:
            out.append(_Tok("char", char, space))
        space = False
    return out


class _Parser:
    """Recursive descent over the tokens of one fragment; raises MathError on anything it
    does not know. `bare` reads a fragment whose backslashes were lost: words are names."""

    def __init__(self, source: str, bare: bool = False):
        if len(source) > MAX_MATH:
            raise MathError("too long")
        self.toks = _tokens(source)
        self.pos = 0
        self.bare = bare

    def parse(self) -> tuple[Node, ...]:
        nodes = self.sequence(0, font=None)
        if self.pos != len(self.toks):
            raise MathError("unbalanced }")
        if not nodes:
            raise MathError("empty")
        return nodes

    # -- helpers
    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise MathError("unexpected end")
        self.pos += 1
        return tok

    def sequence(self, depth: int, font: str | None, stop: str = "") -> tuple[Node, ...]:
        """Items up to '}' (left for the caller), `stop` or the end."""
        if depth > MAX_DEPTH:
            raise MathError("too deep")
        nodes: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "char" and tok.value == "}":
                break
            if stop and tok.kind == "cmd" and tok.value == stop:
                break
            if tok.kind == "cmd" and tok.value in FONTS and not self._group_follows():
                self.pos += 1  # a switch: the rest of this group in that font
                font = FONTS[tok.value]
                continue
            node = self.item(depth, font)
            if node is not None:
                nodes.append(node)
        return tuple(nodes)

    def _group_follows(self) -> bool:
        nxt = self.toks[self.pos + 1] if self.pos + 1 < len(self.toks) else None
        return nxt is not None and nxt.kind == "char" and nxt.value == "{"

    def group(self, depth: int, font: str | None) -> Node:
        """'{...}' or a single atom: the argument of a command or a script."""
        tok = self.peek()
        if tok is None:
            raise MathError("missing argument")
        if tok.kind == "char" and tok.value == "{":
            self.pos += 1
            nodes = self.sequence(depth + 1, font)
            self.close()
            return _row(nodes)
        if tok.kind == "num":  # x^23 in TeX is x²3; copies of stripped math mean x²³
            self.pos += 1
            return self.number(tok, font)
        if tok.kind == "word" and not self.bare:  # one letter only, as TeX reads it
            if len(tok.value) > 1:
                self.toks[self.pos] = _Tok("word", tok.value[1:], False)
                return self.letter(tok.value[0], font, tok.space)
        node = self.atom(depth, font)
        if node is None:
            raise MathError("missing argument")
        return node

    def close(self) -> None:
        tok = self.take()
        if not (tok.kind == "char" and tok.value == "}"):
            raise MathError("expected }")

    def item(self, depth: int, font: str | None) -> Node | None:
        base = self.atom(depth, font)
        while (tok := self.peek()) is not None and tok.kind == "cmd" and tok.value in (
                "limits", "nolimits"):
            self.pos += 1
        sub = sup = None
        while (tok := self.peek()) is not None and tok.kind == "char" and tok.value in "_^'":
            self.pos += 1
            if tok.value == "'":
                prime = Node("mo", "′", plain="'")
                sup = prime if sup is None else _row((sup, prime))
                continue
            arg = self.group(depth + 1, font)
            if tok.value == "_":
                if sub is not None:
                    raise MathError("double subscript")
                sub = arg
            else:
                if sup is not None:
                    raise MathError("double superscript")
                sup = arg
        if sub is None and sup is None:
            return base
        return _attach(base, sub, sup)

    def atom(self, depth: int, font: str | None) -> Node | None:
        tok = self.take()
        kind, value, space = tok.kind, tok.value, tok.space
        if kind == "num":
            return self.number(tok, font)
        if kind == "word":
            if self.bare:
                return self.bare_word(value, space)
            nodes = [self.letter(ch, font, space and i == 0) for i, ch in enumerate(value)]
            return nodes[0] if len(nodes) == 1 else _row(tuple(nodes))
        if kind == "char":
            if value == "{":
                nodes = self.sequence(depth + 1, font)
                self.close()
                return _row(nodes, space)
            if value in "_^":
                self.pos -= 1  # a script with no base: item() attaches it to an empty base
                return None
            if value == "}":
                raise MathError("unbalanced }")
            if value in "&\\#%$":
                raise MathError(f"{value} in math")
            if value == "-":
                return Node("mo", "−", plain="-", space=space)
            if value == "~":
                return Node("mspace", attrs=(("width", SPACES[" "]),))
            if value in "=<>":
                return Node("mo", value, plain=f" {value} " if space else value)
            if value.isalpha() or value.isdigit():
                return Node("mi", value, space=space)
            return Node("mo", value, space=space)
        if kind == "sym":
            if value in ESCAPED:
                return Node("mo", ESCAPED[value], space=space)
            if value in SPACES:
                return Node("mspace", attrs=(("width", SPACES[value]),))
            if value in IGNORED:
                return None
            raise MathError(f"\\{value}")
        return self.command(value, depth, font, space)

    def number(self, tok: _Tok, font: str | None) -> Node:
        text = "".join(_styled(c, font) for c in tok.value)
        return Node("mn", text, plain=tok.value if font not in _PLAIN_FONTS else None,
                    space=tok.space)

    def letter(self, ch: str, font: str | None, space: bool) -> Node:
        styled = _styled(ch, font)
        attrs = (("mathvariant", "normal"),) if font == "rm" else ()
        plain = styled if font in _PLAIN_FONTS else ch
        return Node("mi", styled, attrs=attrs, plain=plain, space=space)

    def bare_word(self, word: str, space: bool) -> Node:
        if word in BARE:
            tag = "mi" if word in LETTERS or word == "ell" else "mo"
            return Node(tag, BARE[word], space=space)
        return Node("mi", word, space=space)

    def command(self, name: str, depth: int, font: str | None, space: bool) -> Node | None:
        if name in LETTERS:
            return Node("mi", LETTERS[name], space=space)
        if name in RELATIONS:
            return Node("mo", RELATIONS[name], plain=f" {RELATIONS[name]} ", space=False)
        if name in OPERATORS:
            return Node("mo", OPERATORS[name], space=space)
        if name in FUNCTIONS:
            return Node("mi", name, plain=name + " ", space=space)
        if name in SPACES:
            return Node("mspace", attrs=(("width", SPACES[name]),))
        if name in IGNORED:
            return None
        if name in FONTS:  # with a group: \mathbb{R}
            return self.group(depth + 1, FONTS[name])
        if name in TEXTS:
            return Node("mtext", self.raw_group(), space=space)
        if name == "operatorname":
            text = self.raw_group()
            if not re.fullmatch(r"[A-Za-z*]+", text):
                raise MathError("operatorname")
            return Node("mi", text.rstrip("*"), plain=text.rstrip("*") + " ", space=space)
        if name in ("frac", "dfrac", "tfrac", "binom"):
            num = self.group(depth + 1, font)
            den = self.group(depth + 1, font)
            if name == "binom":
                frac = Node("mfrac", children=(num, den), attrs=(("linethickness", "0"),))
                return Node("mrow", children=(Node("mo", "("), frac, Node("mo", ")")),
                            space=space)
            return Node("mfrac", children=(_unspaced(num), _unspaced(den)), space=space)
        if name == "sqrt":
            index = None
            tok = self.peek()
            if tok is not None and tok.kind == "char" and tok.value == "[":
                self.pos += 1
                index = _row(self.until_bracket(depth + 1, font))
            body = self.group(depth + 1, font)
            if index is None:
                return Node("msqrt", children=(_unspaced(body),), space=space)
            return Node("mroot", children=(_unspaced(body), index), space=space)
        if name in ACCENTS:
            body = self.group(depth + 1, font)
            mark = Node("mo", ACCENTS[name])
            return Node("mover", children=(_unspaced(body), mark),
                        attrs=(("accent", "true"),), plain=COMBINING[name], space=space)
        if name == "underline":
            body = self.group(depth + 1, font)
            return Node("munder", children=(_unspaced(body), Node("mo", "_")), space=space)
        if name == "left":
            return self.fenced(depth, font, space)
        if name == "right":
            raise MathError("\\right without \\left")
        raise MathError(f"\\{name}")

    def raw_group(self) -> str:
        """The text of a '{...}' argument, for \\text and \\operatorname."""
        if (tok := self.take()).kind != "char" or tok.value != "{":
            raise MathError("expected {")
        parts: list[str] = []
        level = 0
        while True:
            tok = self.take()
            if tok.kind == "char" and tok.value == "{":
                level += 1
                continue
            if tok.kind == "char" and tok.value == "}":
                if level == 0:
                    break
                level -= 1
                continue
            text = tok.value
            if tok.kind == "sym":
                if tok.value not in ESCAPED:
                    raise MathError(f"\\{tok.value} in text")
                text = ESCAPED[tok.value] if tok.value != "|" else "|"
            elif tok.kind == "cmd":
                if tok.value not in TEXT_MACROS:
                    raise MathError(f"\\{tok.value} in text")
                text = TEXT_MACROS[tok.value]
            parts.append((" " if tok.space and parts else "") + text)
        return "".join(parts)

    def until_bracket(self, depth: int, font: str | None) -> tuple[Node, ...]:
        nodes: list[Node] = []
        while True:
            tok = self.peek()
            if tok is None:
                raise MathError("expected ]")
            if tok.kind == "char" and tok.value == "]":
                self.pos += 1
                return tuple(nodes)
            if (node := self.item(depth + 1, font)) is not None:
                nodes.append(node)

    def fence(self) -> str:
        tok = self.take()
        if tok.kind == "char" and tok.value in FENCES:
            return FENCES[tok.value]
        if tok.kind == "sym" and tok.value in "{}|":
            return {"{": "{", "}": "}", "|": "‖"}[tok.value]
        if tok.kind == "cmd" and tok.value in OPERATORS and tok.value.startswith(
                ("l", "r", "V", "v")):
            return OPERATORS[tok.value]
        raise MathError("unknown delimiter")

    def fenced(self, depth: int, font: str | None, space: bool) -> Node:
        opening = self.fence()
        inner = self.sequence(depth + 1, font, stop="right")
        tok = self.take()
        if not (tok.kind == "cmd" and tok.value == "right"):
            raise MathError("\\left without \\right")
        closing = self.fence()
        parts = ([Node("mo", opening)] if opening else []) + list(inner) \
            + ([Node("mo", closing)] if closing else [])
        return Node("mrow", children=tuple(parts), space=space)


def _attach(base: Node | None, sub: Node | None, sup: Node | None) -> Node:
    """Base with scripts; `x^{\\circ}` is the degree sign, as everyone writing it means."""
    space = base.space if base is not None else False
    base = _unspaced(base) if base is not None else Node("mrow")
    sub = _unspaced(sub) if sub is not None else None
    sup = _unspaced(sup) if sup is not None else None
    if sub is None and sup is not None and sup.tag == "mo" and sup.text == "∘":
        degree = Node("mo", "°")
        return Node("mrow", children=(base, degree) if base.tag != "mrow" or base.children
                    else (degree,), space=space)
    if sub is not None and sup is not None:
        return Node("msubsup", children=(base, sub, sup), space=space)
    if sub is not None:
        return Node("msub", children=(base, sub), space=space)
    return Node("msup", children=(base, sup), space=space)


def _row(nodes: tuple[Node, ...], space: bool = False) -> Node:
    if len(nodes) == 1 and not space:
        return nodes[0]
    return Node("mrow", children=nodes, space=space)


def _unspaced(node: Node) -> Node:
    if not node.space:
        return node
    return Node(node.tag, node.text, node.children, node.attrs, node.plain, False)


# ---------------------------------------------------------------- text: segments

@dataclass(frozen=True)
class Math:
    nodes: tuple[Node, ...]


Segment = str | Math

# In order: a URL (left alone), an escaped dollar, math between dollars or \( \).
_SCAN = re.compile(r"https?://[^\s<>\"']+|\\\$|\$\$?|\\\(")
_HINT = re.compile(r"[\\$_^]|``")
# Text-mode LaTeX: accents, special letters, escapes, commands, ``quotes'', script marks.
_ACC = r"[\"'`^~=.]"
_TEXT = re.compile(
    r"(?=[{\\`_^])"  # every alternative starts with one of these: skip other places fast
    r"(?:\{\\(?P<a1>" + _ACC + r")\s*(?P<l1>[A-Za-z])\}"          # {\"o}
    r"|\\(?P<a2>" + _ACC + r")\s*\{(?P<l2>[A-Za-z])\}"          # \"{o}
    r"|\\(?P<a3>" + _ACC + r")(?P<l3>[A-Za-z])"                 # \"o
    r"|\{?\\(?P<a4>[cvuHrk])\{(?P<l4>[A-Za-z])\}\}?"            # \c{c}
    r"|(?P<ob>\{?)\\(?P<cmd>[A-Za-z]+)(?![A-Za-z])(?P<cb>\}?)"  # \eg, {\delta}, {\ss}
    r"|\\(?P<esc>[%&#$_{}])"                                     # \%
    r"|``(?P<quoted>[^`'\n]{1,300})''"                           # ``quoted''
    r"|(?P<op>[_^]))"                                            # d_{data}, D^3
)


@functools.lru_cache(maxsize=256)  # render() and plain() of one text follow each other
def segments(text: str) -> tuple[Segment, ...]:
    """Text and math, in order; plain text joined, math parsed. Never raises."""
    if not _HINT.search(text):
        return (text,) if text else ()
    out: list[Segment] = []
    pos = 0
    while (m := _SCAN.search(text, pos)) is not None:
        token = m.group()
        if token.startswith("http"):
            _text(text[pos:m.start()], out)
            _append(out, token)
            pos = m.end()
            continue
        if token == "\\$":
            _text(text[pos:m.start()], out)
            _append(out, "$")
            pos = m.end()
            continue
        closer = _closing(text, m.end(), token)
        if closer is None:
            _text(text[pos:m.end()], out)
            pos = m.end()
            continue
        try:
            nodes = _Parser(text[m.end():closer]).parse()
        except (MathError, RecursionError):
            _text(text[pos:m.start()], out)
            _append(out, text[m.start():closer + len(_CLOSERS[token])])  # as written
        else:
            _text(text[pos:m.start()], out)
            out.append(Math(nodes))
        pos = closer + len(_CLOSERS[token])
    _text(text[pos:], out)
    return tuple(out)


_CLOSERS = {"$": "$", "$$": "$$", "\\(": "\\)"}


def _closing(text: str, start: int, opener: str) -> int | None:
    """Where the fragment opened at `start` closes. As in Pandoc, '$' opens only before a
    non-space and closes only after one, not before a digit: '$5 and $10' is money."""
    if opener == "\\(":
        end = text.find("\\)", start, start + MAX_MATH + 2)
        return end if end > start else None
    if start >= len(text) or text[start].isspace():
        return None
    pos = start
    limit = min(len(text), start + MAX_MATH + 2)
    while pos < limit:
        pos = text.find(opener, pos, limit)
        if pos < 0:
            return None
        if text[pos - 1] == "\\":
            pos += 1
            continue
        if "\n\n" in text[start:pos]:
            return None
        after = pos + len(opener)
        if pos > start and not text[pos - 1].isspace() and not (
                after < len(text) and text[after].isdigit()):
            return pos
        pos += 1
    return None


def _append(out: list[Segment], text: str) -> None:
    if not text:
        return
    if out and isinstance(out[-1], str):
        out[-1] += text
    else:
        out.append(text)


def _text(chunk: str, out: list[Segment]) -> None:
    """Text-mode LaTeX in prose: escapes and accents become characters; bare scripts math."""
    pos = 0
    while (m := _TEXT.search(chunk, pos)) is not None:
        pending = chunk[pos:m.start()]
        g = m.groupdict()
        if g["op"]:
            found = _bare_script(chunk, m.start(), pending)
            if found is None:
                _append(out, pending + g["op"])
                pos = m.end()
                continue
            base_len, end, node = found
            _append(out, pending[: len(pending) - base_len])
            out.append(Math((node,)))
            pos = end
            continue
        _append(out, pending)
        accent = g["a1"] or g["a2"] or g["a3"] or g["a4"]
        if accent:
            letter = g["l1"] or g["l2"] or g["l3"] or g["l4"]
            _append(out, unicodedata.normalize("NFC", letter + TEXT_ACCENTS[accent]))
        elif g["cmd"]:
            name, braced = g["cmd"], g["ob"] and g["cb"]
            value = TEXT_MACROS.get(name) or TEXT_LETTERS.get(name) or LETTERS.get(name) \
                or OPERATORS.get(name) or RELATIONS.get(name)
            if value is None:
                _append(out, m.group())  # unknown: as written
            else:
                _append(out, (value if braced else g["ob"] + value + g["cb"]))
        elif g["esc"]:
            _append(out, g["esc"])
        else:
            _append(out, f"“{g['quoted']}”")
        pos = m.end()
    _append(out, chunk[pos:])


_BASE = re.compile(r"(?:[A-Za-z]+|\d+(?:\.\d+)?|[)\]])\Z")
_UNBRACED = re.compile(r"-?\d+(?:\.\d+)?|[A-Za-z]+")


def _bare_script(chunk: str, at: int, pending: str) -> tuple[int, int, Node] | None:
    """A script whose backslashes a copy dropped: 'd_{data}', 'sigma_{1:T}^2', 'D^3QE'.

    Returns (length of the base in `pending`, end of the scripts in `chunk`, the node), or
    None when this '_' or '^' is not math ('snake_case', '^_^', 'file_v2.py')."""
    tail = pending[-80:]
    base_match = _BASE.search(tail)
    base = base_match.group() if base_match else ""
    before = tail[-len(base) - 1] if base and len(tail) > len(base) else ""
    if before and base not in ")]" and (before.isalnum() or before in "\\_."):
        return None  # part of a command or an identifier: 'Qwen2_5', 'snake_case_{x}'
    scripts: dict[str, Node] = {}
    pos = at
    braced_any = False
    while pos < len(chunk) and chunk[pos] in "_^" and chunk[pos] not in scripts:
        op = chunk[pos]
        arg, end, braced = _bare_arg(chunk, pos + 1, op, base)
        if arg is None:
            break
        try:
            nodes = _Parser(arg, bare=True).parse()
        except (MathError, RecursionError):
            return None
        scripts[op] = _row(nodes)
        braced_any = braced_any or braced
        pos = end
    if not scripts:
        return None
    if base in GREEK:
        base_node = Node("mi", GREEK[base])
    elif not base:
        if not braced_any:
            return None
        base_node = None
    elif base[0].isdigit():
        base_node = Node("mn", base)
    elif base in ")]":
        base_node = Node("mo", base)
    elif len(base) == 1 or braced_any:
        base_node = Node("mi", base)
    else:
        return None  # 'QK^top': too unsure which letters the script belongs to
    return len(base), pos, _attach(base_node, scripts.get("_"), scripts.get("^"))


def _bare_arg(chunk: str, start: int, op: str, base: str) -> tuple[str | None, int, bool]:
    """The script's argument: a braced group, a number, or (only after a one-letter or Greek
    base) one letter or a known name; else None."""
    if start < len(chunk) and chunk[start] == "{":
        level = 0
        for i in range(start, min(len(chunk), start + MAX_MATH)):
            ch = chunk[i]
            if ch == "\n":
                break
            level += ch == "{"
            level -= ch == "}"
            if level == 0:
                inner = chunk[start + 1:i]
                return (inner or None), i + 1, True
        return None, start, False
    m = _UNBRACED.match(chunk, start)
    if not m:
        return None, start, False
    value, end = m.group(), m.end()
    simple_base = len(base) == 1 or base in GREEK or base[:1].isdigit() or base in (")", "]")
    if value[0] in "-0123456789":
        if op == "_" and end < len(chunk) and (chunk[end].isalnum() or chunk[end] == "_"):
            return None, start, False  # 'model_2b'
        return (value if simple_base else None), end, False
    if not simple_base:
        return None, start, False
    if value in BARE:
        return value, end, False
    if len(value) == 1:
        return value, end, False
    return None, start, False


# ---------------------------------------------------------------- public

@functools.lru_cache(maxsize=4096)
def render(text: str) -> Markup:
    """HTML for a title or abstract paragraph: escaped text, generated MathML."""
    parts = []
    for seg in segments(text):
        if isinstance(seg, str):
            parts.append(escape(seg, quote=False))
        else:
            parts.append("<math>" + "".join(_mathml(n) for n in seg.nodes) + "</math>")
    return Markup("".join(parts))  # safe: text escaped, elements only from TAGS


# Large: views, related papers, CSV and BibTeX each read every title and abstract in turn,
# and an LRU smaller than the review would miss on every one of those sweeps.
@functools.lru_cache(maxsize=1 << 18)
def plain(text: str) -> str:
    """The same reading as Unicode text: 'D³QE', 'σ_(1:T)²', '20%', 'Schrödinger'."""
    parts = []
    for seg in segments(text):
        if isinstance(seg, str):
            parts.append(seg)
        else:
            parts.append(re.sub(r" {2,}", " ", "".join(_plain(n) for n in seg.nodes)).strip())
    return "".join(parts)


def has_math(text: str) -> bool:
    """Whether `text` holds anything this module changes."""
    return any(not isinstance(s, str) for s in segments(text)) or plain(text) != text
