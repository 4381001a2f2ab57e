"""Command text in, typed command out: the `/tobit` language, driven by `catalogue.SPECS`.

`parse` raises nothing but ParseError, whatever the text; each error names the problem, shows
the command's usage line and, where a word was not understood, the valid ones and the closest.
"""

from __future__ import annotations

from typing import Any

from commands.catalogue import SPECS, Param, Spec, closest, find, normal_name
from commands.errors import ParseError
from commands.lexer import Token, lex, tokenize
from commands.model import REPORTS, Command, Help, ShowPlan
from commands.values import BadValue, did_you_mean, shown

__all__ = ["parse", "tokenize"]


def parse(text: str) -> Command:
    """The command `text` says (the `/tobit` prefix already stripped by Slack)."""
    try:
        tokens = lex(text)
    except ParseError as err:
        words = text.split()
        spec = find(words[0]) if words else None
        raise _error(spec, err.message, err.hint) if spec else err from None
    if tokens and tokens[0].key is None and tokens[0].text.lower() == "/tobit":
        tokens = tokens[1:]  # pasted together with the slash command
    if not tokens:
        raise ParseError("No command given.", hint="Type `help` for all commands.")
    return _parse(tokens)


def _parse(tokens: list[Token]) -> Command:
    head, rest = tokens[0], tokens[1:]
    spec = find(head.text) if head.key is None else None
    if spec is None:
        raise _unknown_command(head, rest)
    if spec.type is ShowPlan:
        return _parse_plan(spec, rest)
    values = _collect(spec, rest)
    if spec.check:
        try:
            spec.check(values)
        except BadValue as err:
            raise _error(spec, err.message, err.hint, err.rule) from None
    return spec.type(**values)


def _parse_plan(spec: Spec, rest: list[Token]) -> ShowPlan:
    if not rest:
        raise _error(spec, "`plan` needs the command to show.")
    # Checked before parsing the rest: "plan plan plan ..." must not recurse.
    inner_spec = find(rest[0].text) if rest[0].key is None else None
    if inner_spec is not None and inner_spec.type in (ShowPlan, Help):
        raise _error(spec, f"`plan` cannot show `{inner_spec.name}`.",
                     "Write `plan` once, in front of the command it should show.")
    if inner_spec is not None and inner_spec.name in REPORTS:
        raise _error(spec, f"`{inner_spec.name}` only reads and changes nothing: it has no plan.",
                     f"Run it without `plan`: `{inner_spec.name} ...`.")
    return ShowPlan(_parse(rest))


def _collect(spec: Spec, tokens: list[Token]) -> dict[str, Any]:
    """The converted values by dataclass field; positionals may be given as key=value too."""
    values: dict[str, Any] = {}
    words: list[Token] = []
    for token in tokens:
        if token.key is None:
            words.append(token)
            continue
        param = spec.param(normal_name(token.key))
        if param is None:
            raise _unknown_key(spec, token.key)
        if param.field in values:
            raise _error(spec, f"`{param.key}=` is given twice.", "Give each option once.")
        values[param.field] = _convert(spec, param, token.value)
    _fill_positionals(spec, _take_switches(spec, words, values), values)
    missing = next((p for p in spec.params if p.required and p.field not in values), None)
    if missing:
        raise _missing(spec, missing)
    if spec.needs_option and not any(p.field in values for p in spec.options):
        keys = ", ".join(f"`{p.key}=`" for p in spec.options)
        raise _error(spec, f"`{spec.name}` needs at least one of {keys}.")
    return values


def _take_switches(spec: Spec, words: list[Token], values: dict[str, Any]) -> list[Token]:
    """`jobs mine acme` as well as `jobs acme mine`: a switch's word is taken out wherever it
    stands, so it never lands in (or is mistaken for) the customer."""
    for param in spec.positionals:
        word = next((t for t in words if param.switch and t.text.lower() == param.key), None)
        if word is not None and param.field not in values:
            values[param.field] = True
            words = [t for t in words if t is not word]
    return words


def _fill_positionals(spec: Spec, words: list[Token], values: dict[str, Any]) -> None:
    used = 0
    for param in (p for p in spec.positionals if p.field not in values):
        if used == len(words):
            return
        if param.greedy:
            # Names and phone numbers may come unquoted: "add-user acme Jane Doe".
            _refuse_option_words(spec, words[used:])
            text, used = " ".join(t.text for t in words[used:]), len(words)
        else:
            text, used = words[used].text, used + 1
        values[param.field] = _convert(spec, param, text)
    if used < len(words):
        raise _too_many(spec, words[used].text)


def _convert(spec: Spec, param: Param, text: str) -> Any:
    label = f"`{param.key}=`" if param in spec.options else param.key
    if not text:
        raise _error(spec, f"No value for {label}.", f"Give a value: `{param.key}={param.placeholder}`.")
    try:
        return param.convert(text)
    except BadValue as err:
        raise _error(spec, f"Bad {label}: {err.message}", err.hint, err.rule) from None


# ---- errors that say what to type instead ---------------------------------------------------

def _error(spec: Spec | None, message: str, hint: str | None = None,
           rule: str | None = None) -> ParseError:
    lines = [hint] if hint else []
    if spec is not None:
        lines.append(f"Usage: `{spec.usage()}`")
        if spec.examples:
            lines.append(f"Example: `{spec.examples[0]}`")
    return ParseError(message, hint="\n".join(lines) or None, rule=rule)


def _unknown_command(head: Token, rest: list[Token]) -> ParseError:
    later = next((s for s in (find(t.text) for t in rest if t.key is None) if s), None)
    if later is not None:
        return _error(later, f"`{shown(head.text)}` is not a command; the command comes first.")
    names = ", ".join(f"`{s.name}`" for s in SPECS)
    close = closest(head.text)
    if close is not None:
        return _error(close, f"Unknown command `{shown(head.text)}`. Did you mean `{close.name}`?",
                      f"Commands: {names}.")
    return ParseError(f"Unknown command `{shown(head.text)}`.",
                      hint=f"Commands: {names}.\nType `help` for what each one does.")


def _unknown_key(spec: Spec, key: str) -> ParseError:
    close = did_you_mean(normal_name(key), [p.key for p in spec.params])
    options = ", ".join(f"`{p.key}=`" for p in spec.options) or "none"
    hint = (f"Did you mean `{close}=`? " if close else "") + f"Options of `{spec.name}`: {options}."
    return _error(spec, f"`{spec.name}` has no option `{shown(key)}=`.", hint)


def _missing(spec: Spec, param: Param) -> ParseError:
    if param in spec.options:
        return _error(spec, f"`{spec.name}` needs `{param.key}={param.placeholder}`: {param.doc}.",
                      rule=param.rule)
    return _error(spec, f"`{spec.name}` needs {param.placeholder}: {param.doc}.", rule=param.rule)


def _option_hint(spec: Spec, word: str) -> str | None:
    param = spec.param(normal_name(word))
    if param is None or param not in spec.options:
        return None
    return f"Options are written `key=value`: `{param.key}={param.placeholder}`."


def _refuse_option_words(spec: Spec, words: list[Token]) -> None:
    for token in words:
        hint = _option_hint(spec, token.text)
        if hint:
            raise _error(spec, f"`{shown(token.text)}` looks like an option.",
                         hint + ' Put names with spaces in quotes: `"Jane Doe"`.')


def _too_many(spec: Spec, word: str) -> ParseError:
    hint = _option_hint(spec, word) or 'Put a value with spaces in quotes: `"Müller GmbH"`.'
    return _error(spec, f"Too many words for `{spec.name}`: `{shown(word)}`.", hint)
