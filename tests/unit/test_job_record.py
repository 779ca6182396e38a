"""job.json of every version and kind: read tolerantly, written with its version and kind."""

from __future__ import annotations

import json

import pytest

from ereg_desktop.services.deploy.jobs import (
    JOB_RECORD_VERSION,
    JobContext,
    JobKind,
    JobRecord,
    ServerJobs,
)
from ereg_desktop.services.deploy.lock import LockOwner

JOB = "20260101T000000Z-gt-abc123"


def v1(**context: object) -> str:
    return json.dumps({"id": JOB, "app": "gt", "argv": ["pm2-deploy", "gt"], "started_at": "t",
                       "context": context})  # fmt: skip


def test_plan_writes_version_and_kind_and_reads_back_equal() -> None:
    lock = LockOwner.new("Ann", "pc", 1)
    ctx = JobContext("Ann", "pc", "2026-01-01T00:00:00+00:00", {"owner-mismatch": "cover"},
                     "a" * 40, 2, lock, "s1", {"from-the-future": "[1, 2]"})  # fmt: skip
    rec = ServerJobs.plan("gt", JobKind.UPDATE_TRANSLATIONS, ("update-translations", "gt"), ctx)
    assert rec.kind == "update-translations" and rec.version == JOB_RECORD_VERSION == 2
    d = json.loads(rec.to_json())
    assert d["version"] == 2 and d["kind"] == "update-translations"
    assert d["context"]["lock"] == lock.to_json()  # owner.json's text, as version 1 read it
    assert d["context"]["from-the-future"] == "[1, 2]"
    back = JobRecord.from_json(rec.to_json())
    assert back == rec and back is not None and back.notes == ()


def test_a_version_1_record_reads_as_version_1_with_the_kind_of_its_command() -> None:
    lock = LockOwner.new("Bob", "pc", 1)
    rec = JobRecord.from_json(v1(operator="Bob", lock=lock.to_json(), pending_commits=3))
    assert rec is not None and rec.version == 1 and rec.kind == JobKind.PM2_DEPLOY
    assert rec.context.operator == "Bob" and rec.context.lock == lock
    assert rec.context.pending_commits == 3 and rec.notes == ()
    other = JobRecord.from_json(v1().replace('"pm2-deploy"', '"make-coffee"'))
    assert other is not None and other.kind == "" and other.known_kind is None


def test_an_unknown_kind_stays_as_its_text() -> None:
    raw = json.loads(v1())
    raw.update(version=7, kind="review-translations")
    rec = JobRecord.from_json(json.dumps(raw))
    assert rec is not None and rec.version == 7 and rec.kind == "review-translations"
    assert rec.known_kind is None


def test_damaged_fields_are_noted_never_raised() -> None:
    ctx, notes = JobContext.from_json_dict(
        {"pending_commits": "x", "reasons": "none", "lock": "{broken", "operator": {"n": 1},
         "moon": [1]}
    )  # fmt: skip
    assert ctx.pending_commits == 0 and ctx.reasons == {} and ctx.lock is None
    assert ctx.operator == '{"n": 1}' and ctx.extra == {"moon": "[1]"}
    assert len(notes) == 3 and any("'x'" in n for n in notes)
    assert JobContext.from_json_dict("a string")[0] == JobContext()
    assert JobContext.from_json_dict(None) == (JobContext(), [])
    rec = JobRecord.from_json(v1(pending_commits=True))
    assert rec is not None and rec.notes == ("job.json has pending_commits 'true'",)


@pytest.mark.parametrize(
    "change",
    [{"id": "../../etc"}, {"id": "20260101T000000Z-gt-abc123/.."}, {"app": "a b"}, {"id": 5},
     {"app": None}],
)  # fmt: skip
def test_a_record_whose_id_or_app_cannot_be_a_path_is_no_record(change: dict[str, object]) -> None:
    raw = {**json.loads(v1()), **change}
    assert JobRecord.from_json(json.dumps(raw)) is None
    assert JobRecord.from_json("[1]") is None and JobRecord.from_json("{") is None
