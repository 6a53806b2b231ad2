"""The review as JSON (for tools): the same content as the Markdown, as data."""

from __future__ import annotations

import json
from typing import Any

from phasetui.review.evidence import verify_queries
from phasetui.review.listing import RunRow
from phasetui.review.review import RunReview
from phasetui.review.times import local_zone_name


def _entry_ref(e) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind,
        "step": e.step,
        "ok": e.ok,
        "time": e.time.to_json(),
        "who": e.who,
        "summary": e.summary,
    }


def list_json(rows: list[RunRow], source: str) -> dict[str, Any]:
    return {"audit_repo": source, "zone": local_zone_name(), "runs": [r.to_json() for r in rows]}


def review_json(review: RunReview) -> dict[str, Any]:
    run = review.run
    return {
        "run": run.row.to_json(),
        "zone": local_zone_name(),
        "runbook_problem": run.runbook_problem or None,
        "damaged": [{"line": d.line, "reason": d.reason, "text": d.text} for d in run.damaged],
        "missing": [
            {"path": m.path, "seq": m.seq, "kind": m.kind, "step": m.step, "journal_says": m.said}
            for m in run.missing
        ],
        "timeline": [e.to_json() for e in run.timeline],
        "checklist": [
            {
                "number": r.number,
                "id": r.id,
                "text": r.text,
                "phase": r.phase,
                "done": r.done,
                "who": r.who,
                "time": r.time.to_json() if r.time else None,
                "note": r.note,
                "evidence_step": r.evidence_step,
                "evidence": _entry_ref(r.evidence) if r.evidence else None,
            }
            for r in review.checklist
        ],
        "notes": [
            {"time": n.time.to_json(), "who": n.who, "text": n.text, "item": n.item}
            for n in review.notes
        ],
        "lint": [
            {
                "event": _entry_ref(b.entry),
                "phase": b.phase,
                "errors": b.errors,
                "warnings": b.warnings,
                "attempts": b.attempts,
                "problem": b.problem or None,
                "override": b.entry.override or None,
                "findings": [f.__dict__ for f in b.findings],
            }
            for b in review.lint
        ],
        "overrides": [
            {"event": _entry_ref(o.entry), "what": o.what, "reason": o.reason}
            for o in review.overrides
        ],
        "rehearsals": [
            {
                "event": _entry_ref(b.entry),
                "environment": b.environment,
                "failure": b.failure or None,
                "problem": b.problem or None,
                "statements": [r.__dict__ for r in b.rows],
            }
            for b in review.rehearsals
        ],
        "schema": [
            {
                "event": _entry_ref(b.entry),
                "sides": b.sides,
                "files": b.files,
                "reviewed": _entry_ref(b.reviewed) if b.reviewed else None,
                "problem": b.problem or None,
                "diff": _diff(b.diff),
            }
            for b in review.schema
        ],
        "status": [_texts(t) for t in review.status],
        "drift": [_texts(t) for t in review.drift],
        "verify": [
            {**_texts(t), "queries": [q.__dict__ for q in verify_queries(t.entry)]}
            for t in review.verify
        ],
        "backups": [
            {
                "event": _entry_ref(b.entry),
                "path": b.path,
                "bytes": b.bytes,
                "sha256": b.sha256,
                "env": b.env,
                "tables": b.tables,
                "seconds": b.seconds,
                "pg_dump_version": b.pg_dump_version,
                "restore_command": b.restore_command,
                "chosen_for_rollback": b.chosen,
            }
            for b in review.backups
        ],
        "rollback_files": review.rollback_plan,
        "backfills": [
            {
                "event": _entry_ref(b.entry),
                "figures": b.figures,
                "problem": b.problem or None,
                "attempts": b.attempts,
                "chart": b.series.to_json() if b.series is not None else None,
            }
            for b in review.backfills
        ],
        "release_notes": review.release_notes,
    }


def _texts(t) -> dict[str, Any]:
    return {
        "event": _entry_ref(t.entry),
        "files": [{"path": p, "text": text, "missing": text is None} for p, text in t.texts],
    }


def _diff(diff) -> Any:
    if diff is None:
        return None
    from phasetui.schema.render import diff_dict

    return diff_dict(diff)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
