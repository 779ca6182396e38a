"""A realistic pair of ``i18n-messages.json`` files for tests and benchmarks (seeded, repeatable).

``corpus(keys, changed, seed)`` returns the committed and the working-tree bytes, both in the
panel's exact layout: English keys with Spanish-like translations, some with ``${ name }``
substitutions, plurals, Markdown links and e-mail bodies with line breaks. Of the ``changed``
pairs, about 60 % are changed values, 25 % added and 15 % removed keys, and about one in eight
changed or added values carries a problem a check must find (a wrong or evaluated substitution,
an introduced line break, a changed link target, a zero-width space, a double space, a typed
``\\n``, a plural that is not a pair).
"""

from __future__ import annotations

import random
import re

from ereg_desktop.services.i18n.changes import Messages, Value
from ereg_desktop.services.i18n.messages_file import serialize_messages

_EN = (
    "business registration company name address document certificate payment request "
    "application form section submit review approve reject file upload download owner "
    "representative tax number license permit office fee cost total status pending "
    "completed rejected sent received guide user account password email phone date "
    "country city street share capital activity description legend label title"
).split()
_ES = (
    "registro empresarial empresa nombre dirección documento certificado pago solicitud "
    "aplicación formulario sección enviar revisar aprobar rechazar archivo subir descargar "
    "propietario representante impuesto número licencia permiso oficina tasa costo total "
    "estado pendiente completado rechazado enviado recibido guía usuario cuenta contraseña "
    "correo teléfono fecha país ciudad calle acciones capital actividad descripción leyenda "
    "etiqueta título año señor niño información"
).split()
_NAMES = ("fullName", "entityTitle", "businessName", "date", "amount", "email", "serviceName")
_LINKS = ("/submission/#submit-form", "/guide/", "/profile/", "/documents/#list", "/help/")

_WORD = re.compile(r"[A-Za-z]+")
_LINK_TARGET = re.compile(r"(\]\([^)]*\))")

_PROBLEMS = (
    lambda v: v + " ${ primerNombre }",  # unknown name
    lambda v: v + " ${ process.version }",  # evaluated as JavaScript
    lambda v: v.replace(" ", "\n", 1) if " " in v else v + "\n",  # line break introduced
    lambda v: v + " [aquí](/otra/pagina/)",  # a link target the key does not have
    lambda v: v.replace(" ", " \u200b", 1),  # zero-width space
    lambda v: v.replace(" ", "  ", 1),  # double space
    lambda v: v + "\\n",  # a typed backslash-n
)


def _words(rng: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(n))


def _key(rng: random.Random, i: int) -> str:
    shape = rng.random()
    base = _words(rng, _EN, rng.randint(1, 6)).capitalize()
    if shape < 0.06:
        one = f"{base} {i}"
        return f"n\0One {one}\0${{ n }} {one}s"
    if shape < 0.20:
        name = rng.choice(_NAMES)
        return f"{base} {i} for ${{ {name} }}"
    if shape < 0.25:
        return f"{base} {i}, see [{rng.choice(_EN)}]({rng.choice(_LINKS)})"
    if shape < 0.28:
        lines = [_words(rng, _EN, rng.randint(4, 10)).capitalize() + "." for _ in range(3)]
        return f"Dear ${{ fullName }},\n\n{lines[0]} {i}\n{lines[1]}\n{lines[2]}"
    if shape < 0.30:
        return f"**${{ entityTitle }}** {base.lower()} {i}"
    return f"{base} {i}"


def _translate(rng: random.Random, key: str) -> Value:
    """A Spanish-like translation keeping the key's substitutions, links and line breaks."""
    if key.startswith("n\0"):
        word = _words(rng, _ES, rng.randint(1, 4))
        return [f"Un {word}", f"${{ n }} {word}s"]
    out: list[str] = []
    for part in key.split("${"):
        if not out:
            out.append(_reword(rng, part))
            continue
        name, _, rest = part.partition("}")
        out.append("${" + name + "}" + _reword(rng, rest))
    return "".join(out)


def _reword(rng: random.Random, text: str) -> str:
    """Each English word of ``text`` as a Spanish one; spaces, marks and link targets kept."""
    parts = _LINK_TARGET.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = _WORD.sub(lambda _m: rng.choice(_ES), parts[i])
    return "".join(parts)


def _messages(keys: int, rng: random.Random) -> Messages:
    messages: Messages = {}
    i = 0
    while len(messages) < keys:
        key = _key(rng, i)
        i += 1
        messages[key] = _translate(rng, key)
    return messages


def _spoil(rng: random.Random, key: str, value: Value) -> Value:
    if isinstance(value, list):
        return [value[0]] if rng.random() < 0.5 else [value[0], value[1] + " ${ cantidad }"]
    return rng.choice(_PROBLEMS)(value)


def corpus(keys: int = 20000, changed: int = 2000, seed: int = 0) -> tuple[bytes, bytes]:
    """(old, new) file bytes: ``keys`` pairs in the old file, ``changed`` of them different."""
    rng = random.Random(seed)
    old = _messages(keys, rng)
    new: Messages = dict(old)
    order = list(old)
    rng.shuffle(order)
    n_removed = changed * 15 // 100
    n_added = changed * 25 // 100
    n_changed = changed - n_removed - n_added
    for key in order[:n_changed]:
        value = _translate(rng, key)
        while value == old[key]:
            value = _translate(rng, key)
        new[key] = _spoil(rng, key, value) if rng.random() < 0.125 else value
    for key in order[n_changed : n_changed + n_removed]:
        del new[key]
    i = 10 * keys
    while len(new) < len(old) - n_removed + n_added:
        key = _key(rng, i)
        i += 1
        if key in old or key in new:
            continue
        value = _translate(rng, key)
        new[key] = _spoil(rng, key, value) if rng.random() < 0.125 else value
    return serialize_messages(old), serialize_messages(new)
