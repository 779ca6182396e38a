"""Translation reviews for the viewer's tests, built the real way (``build_review`` over files in
the panel's layout): a small one, and one that holds every kind of problem the viewer shows."""

from __future__ import annotations

import dataclasses
import json

from ereg_desktop.services.i18n.findings import CheckId, Finding, Severity
from ereg_desktop.services.i18n.messages_file import serialize_messages
from ereg_desktop.services.i18n.review import DataFileDiff, TranslationReview, build_review

PLURAL = "n\0One document is missing\0${ n } documents are missing"
EMAIL = "Dear ${ fullName },\n\nYour request ${ requestId } was approved.\nThe team"
SCAN_MAP = {
    "Business registration": {
        "Model: Business": [{"fileName": "model/business.js", "line": 12, "column": 9}]
    },  # fmt: skip
    "Hello ${ fullName }": {"View": [{"fileName": "view/home.js", "line": 40, "column": 3}]},
}


def review_of(old: dict, new: dict, *, scan_map: dict | None = None,
              data_diffs: tuple[DataFileDiff, ...] = (), app: str = "gt") -> TranslationReview:  # fmt: skip
    scan = json.dumps(scan_map).encode() if scan_map is not None else None
    return build_review(
        app, serialize_messages(old), serialize_messages(new), data_diffs=data_diffs,
        scan_map_bytes=scan,
    )  # fmt: skip


def small_review() -> TranslationReview:
    old = {
        "Business registration": "Registro de empresas",
        "Hello ${ fullName }": "Hola ${ fullName }",
        "Submit": "Enviar",
        "Total": "Total",
    }
    new = {
        "Business registration": "Registro\nde empresas",  # an error (model-bound)
        "Hello ${ fullName }": "Hola ${ fullName }  ",  # notes: double space, trailing
        "Cancel": "Cancelar",  # added, clean
        "Total": "Suma total",  # changed, clean
    }
    diffs = (
        DataFileDiff(
            "data/fees.json",
            "modified",
            unified="--- a/data/fees.json\n+++ b/data/fees.json\n@@ -1,3 +1,3 @@\n"
            ' {\n-  "fee": 10\n+  "fee": 12\n }\n',
        ),  # fmt: skip
        DataFileDiff("data/logo.png", "modified", binary=True),
    )
    return review_of(old, new, scan_map=SCAN_MAP, data_diffs=diffs)


def every_problem_review() -> TranslationReview:
    """Each check that applies to a value, invisibles of several kinds, chips of the three
    kinds, added, changed and removed keys, a plural, a data diff and a binary data file."""
    old = {
        "Business registration": "Registro de empresas",
        "Hello ${ fullName }": "Hola ${ fullName }",
        "Your ${ entityTitle } was sent to ${ email }": "Su ${ entityTitle } fue enviada a ${ email }",
        "Pay the fee at [the payments page](/payments/)": "Pague la tasa en [la página de pagos](/payments/)",
        EMAIL: "Estimado ${ fullName },\n\nSu solicitud ${ requestId } fue aprobada.\nEl equipo",
        PLURAL: ["Falta un documento", "Faltan ${ n } documentos"],
        "Submit": "Enviar",
        "Opening hours": "Horario de atención",
        "Address": "Dirección",
        "Legend": "Leyenda",
    }
    new = {
        "Business registration": "Registro\nde empresas",  # stringline (model-bound)
        "Hello ${ fullName }": "Hola ${ primerNombre }",  # unknown + missing
        "Your ${ entityTitle } was sent to ${ email }": "Su ${ entityTitle } fue enviada a ${ process.version }",
        "Pay the fee at [the payments page](/payments/)": "Pague la tasa en [la página de pagos](/pagos/)",
        EMAIL: "Estimado ${ fullName },\nSu solicitud ${ requestId } fue aprobada.\\nEl equipo",
        PLURAL: ["Falta un documento", "Faltan ${ n } documentos nuevos"],  # clean plural
        "n\0One file\0${ n } files": "Un archivo",  # a plural key without a pair
        "Opening hours": "Horario\tde\u00a0atención\u200b",  # tab, nbsp, zero-width
        "Address": " Dirección  de la empresa ",  # begin, double, end space
        "Legend": "Legend",  # same as the key
        "Cancel": "Cancelar ${}",  # added: an empty substitution
        "Total amount": "Monto total",  # added, clean
    }
    diffs = (
        DataFileDiff(
            "data/fees.json",
            "modified",
            unified=(
                "--- a/data/fees.json\n+++ b/data/fees.json\n@@ -1,4 +1,4 @@\n {\n"
                '-  "registration": 100,\n+  "registration": 120,\n   "currency": "GTQ"\n }\n'
            ),
        ),
        DataFileDiff("data/logo.png", "modified", binary=True),
    )
    review = review_of(old, new, scan_map=SCAN_MAP, data_diffs=diffs)
    model = Finding(None, CheckId.MODEL_LOAD, Severity.ERROR,
                    "The server's model did not load with these translations: "
                    "Business registration doesn't match pattern")  # fmt: skip
    return dataclasses.replace(review, findings=(*review.findings, model))
