"""The ``${ }`` scanner decides as the server's es6-template-strings does (cases from its tests)."""

from __future__ import annotations

import pytest

from ereg_desktop.services.i18n.template import Piece, scan, substitutions


def _subs(text: str) -> list[str]:
    """The raw bodies of the substitutions, as es6-template-strings' compile() lists them."""
    return [p.text[2:-1] for p in substitutions(text)]


@pytest.mark.parametrize(
    ("text", "bodies"),
    [
        ("Hello ${ fullName }!", [" fullName "]),
        ("ula${melo}far${ulo}", ["melo", "ulo"]),
        ("${melo}far${ulo}ula", ["melo", "ulo"]),
        ("ech${}", [""]),
        (r"price \${ amount }", []),  # \$ is a literal $
        (r"a \\${ x }", [" x "]),  # \\ is a literal backslash; the substitution follows
        ("$${x}", ["x"]),  # a literal $ then a substitution
        ("$$$${x} $", ["x"]),
        ("$ {x}", []),
        ("${ unclosed", []),
        ("${ a ${ b }", []),  # the inner { is counted: nothing closes it, so it is text
        ("${ a ${ b } }", [" a ${ b } "]),
        ("${ {a: 1}.a }", [" {a: 1}.a "]),  # nested braces are counted
        ("${ f({x: [1, 2]}) } ok", [" f({x: [1, 2]}) "]),
        ("${ '}' } x", [" '}' "]),  # a quoted } does not close
        ('${ "}" + "\\"}" }', [' "}" + "\\"}" ']),
        ("${ it's }", []),  # the quote never closes: plain text
        ("${ a // } \n }", [" a // } \n "]),  # a line comment hides the }
        ("${ a /* } */ }", [" a /* } */ "]),
        ("${ (/}/).test(x) }", [" (/}/).test(x) "]),  # a regular expression literal
        ("${ a / 2 }", [" a / 2 "]),  # a division is not a regular expression
        ("$\\${x}", ["x"]),  # the character after a lone $ is taken literally, even a backslash
        (
            "${x.raz} \\${$\\{ f${prik()}oo ${maroko}\n\\$mis\\1k\\2o"
            "${markas()}${x.moled}ech${}eloo$${x.su}elo${marko",
            ["x.raz", "prik()", "maroko", "markas()", "x.moled", "", "x.su"],
        ),
        (
            "ech${\"${foo}\"}marko${(function () { if (elo) { return '${foo}'; } "
            'else { return "${mar}"; } })}boo',
            [
                '"${foo}"',
                "(function () { if (elo) { return '${foo}'; } else { return \"${mar}\"; } })",
            ],
        ),
    ],
)
def test_substitutions_are_found_as_the_runtime_finds_them(text: str, bodies: list[str]) -> None:
    assert _subs(text) == bodies
    assert "".join(p.text for p in scan(text)) == text


def test_pieces_carry_their_positions_and_the_stripped_expression() -> None:
    assert scan("Hi ${ fullName }, bye") == [
        Piece("text", "Hi ", 0, 3),
        Piece("sub", "${ fullName }", 3, 16, "fullName"),
        Piece("text", ", bye", 16, 21),
    ]
    assert scan("") == []
    assert scan("plain") == [Piece("text", "plain", 0, 5)]


@pytest.mark.parametrize(
    ("text", "identifier"),
    [
        ("${ fullName }", True),
        ("${fullName}", True),
        ("${\n\tname_2\u00a0}", True),  # whitespace around does not matter
        ("${ $el }", True),
        ("${ _x }", True),
        ("${ process.version }", False),
        ("${ a + b }", False),
        ("${ 2x }", False),
        ("${}", False),
        ("${ }", False),
        ("${ año }", False),  # the facts' identifier is ASCII
        ("${ name\n}", True),
    ],
)
def test_a_plain_identifier_is_told_from_an_expression(text: str, identifier: bool) -> None:
    (piece,) = substitutions(text)
    assert piece.identifier is identifier


def test_the_expression_is_stripped_of_javascripts_whitespace_only() -> None:
    (piece,) = substitutions("${\u2028 name \ufeff}")
    assert piece.expr == "name"
    (piece,) = substitutions("${\x1c name }")  # not JavaScript whitespace: kept
    assert piece.expr == "\x1c name"
    assert not piece.identifier


def test_text_pieces_never_hold_a_substitution_start_they_could_close() -> None:
    pieces = scan("a ${ b } c $${ d } \\${ e } ${ f")
    assert [p.kind for p in pieces] == ["text", "sub", "text", "sub", "text"]
    assert pieces[-1].text == " \\${ e } ${ f"
