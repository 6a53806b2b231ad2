"""External job mode: the team's own backfill command, watched and recorded.

For a team that already has ``php artisan data:backfill-users-preferences``: phasetui runs
it as a subprocess (its own session, so the terminal's Ctrl-C reaches phasetui first),
streams its output, measures progress with a cheap query (rows still to do), flags a stall
(no progress and no output for ``stall_seconds``), and keeps it all in the same state row as
a batched backfill, so ``status``, ``pause`` (SIGSTOP), ``resume`` (SIGCONT) and ``stop``
(SIGTERM, then SIGKILL) work the same from any session.

Without a ``progress_query``, rows still to do are counted from the step's ``where`` in key
ranges of 100,000 keys (one short statement each), never as one long scan.
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from phasetui.backfill import store
from phasetui.backfill.compose import execute, ident, text
from phasetui.backfill.engine import open_connection
from phasetui.backfill.expressions import check_select, parse_assignments
from phasetui.backfill.keys import find_key
from phasetui.backfill.result import BackfillResult
from phasetui.backfill.spec import BackfillSpec
from phasetui.errors import UserError

COUNT_SPAN = 100_000
TAIL_LINES = 200


class ExternalJob:
    def __init__(self, dsn: str, spec: BackfillSpec, *, kill_on_stall: bool = False) -> None:
        if not spec.command:
            raise UserError("external mode needs a command", 'e.g. --command "php artisan …"')
        self.dsn = dsn
        self.spec = spec
        self.name = spec.default_name
        self.kill_on_stall = kill_on_stall
        self.argv = shlex.split(spec.command)
        self.progress_query = (
            check_select(spec.progress_query, "progress_query") if spec.progress_query else None
        )
        self.where = parse_assignments(["__x = 1"], spec.where).where if spec.where else None

    # -- remaining rows ----------------------------------------------------------------
    def _remaining(self, conn: psycopg.Connection) -> int | None:
        if self.progress_query is None and self.where is None:
            return None
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            conn.execute("SET LOCAL statement_timeout = '30s'")
            if self.progress_query is not None:
                row = conn.execute(self.progress_query).fetchone()
                return int(row[0]) if row and row[0] is not None else None
        return self._count_by_key(conn)

    def _count_by_key(self, conn: psycopg.Connection) -> int:
        key = self._key
        table = ident(key.schema, key.table)
        where = text(self.where)  # type: ignore[arg-type]
        if not key.integer:
            q = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, where)
            return int(execute(conn, q).fetchone()[0])
        col = ident(key.columns[0])
        lo, hi = execute(
            conn, sql.SQL("SELECT min({c}), max({c}) FROM {t}").format(c=col, t=table)
        ).fetchone()
        if lo is None:
            return 0
        q = sql.SQL("SELECT count(*) FROM {t} WHERE {c} >= %s AND {c} < %s AND ({w})").format(
            t=table, c=col, w=where
        )
        total, start = 0, int(lo)
        while start <= int(hi):
            total += int(execute(conn, q, (start, start + COUNT_SPAN)).fetchone()[0])
            start += COUNT_SPAN
        return total

    # -- state row ---------------------------------------------------------------------
    def _prepare(self, conn: psycopg.Connection) -> None:
        self._key = find_key(conn, self.spec.table, self.spec.key)
        store.ensure_schema(conn)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"phasetui:{self.name}",))
            state = store.load_state(conn, self.name)
            if state is not None and state.fingerprint != self.spec.fingerprint():
                raise UserError(
                    f"backfill {self.name!r} already exists with another definition",
                    "give another --name",
                )
            if state is None:
                conn.execute(
                    """INSERT INTO phasetui.backfills (name, mode, table_name, key_columns,
                         key_types, spec, fingerprint, batch_size, state)
                       VALUES (%s, 'external', %s, %s, %s, %s, %s, 0, 'planned')""",
                    (
                        self.name,
                        self._key.qualified,
                        list(self._key.columns),
                        list(self._key.types),
                        json.dumps(self.spec.to_dict()),
                        json.dumps(self.spec.fingerprint()),
                    ),
                )
            conn.execute(
                "UPDATE phasetui.backfills SET control = 'run', state = 'running', "
                "started_at = now(), finished_at = NULL, last_error = NULL, detail = '{}', "
                "updated_at = now() WHERE name = %s",
                (self.name,),
            )

    # -- run ---------------------------------------------------------------------------
    def run(
        self,
        *,
        stop: threading.Event | None = None,
        on_line: Callable[[str], None] | None = None,
        on_progress: Callable[[dict], None] | None = None,
        progress_interval: float = 5.0,
    ) -> BackfillResult:
        stop = stop or threading.Event()
        conn = open_connection(self.dsn)
        self._prepare(conn)
        started_wall = datetime.now(UTC).isoformat(timespec="seconds")
        started = time.monotonic()
        initial = self._remaining(conn)
        try:
            proc = subprocess.Popen(
                self.argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                bufsize=1,
                start_new_session=True,
            )
        except OSError as exc:
            store.set_error(conn, self.name, f"cannot start {self.argv[0]}: {exc}", failed=True)
            conn.close()
            raise UserError(f"cannot start {self.argv[0]!r}: {exc}") from None
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc, lines), daemon=True)
        reader.start()
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        stalls: list[dict] = []
        samples: deque[tuple[float, int]] = deque()
        last_output = last_progress_at = time.monotonic()
        last_remaining = initial
        next_poll = time.monotonic()
        paused = stopping = stalled = False
        stopped_by: str | None = None
        remaining = initial
        while True:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                tail.append(line.rstrip("\n"))
                last_output = time.monotonic()
                if on_line is not None:
                    on_line(line.rstrip("\n"))
            now = time.monotonic()
            if now < next_poll and not stop.is_set():
                continue
            next_poll = now + progress_interval
            row = store.load_state(conn, self.name)
            control = row.control if row else "stop"
            if (stop.is_set() or control == "stop") and not stopping:
                stopping = True
                stopped_by = "interrupted" if stop.is_set() else "stopped"
                _signal(proc, signal.SIGCONT)
                _signal(proc, signal.SIGTERM)
                threading.Thread(target=_kill_later, args=(proc, 10.0), daemon=True).start()
            elif control == "pause" and not paused and not stopping:
                _signal(proc, signal.SIGSTOP)
                paused = True
            elif control == "run" and paused:
                _signal(proc, signal.SIGCONT)
                paused = False
                last_output = last_progress_at = now
            remaining = self._remaining(conn)
            if remaining is not None and (last_remaining is None or remaining < last_remaining):
                last_remaining, last_progress_at = remaining, now
            idle = now - max(last_output, last_progress_at)
            if not paused and not stopping and idle >= self.spec.stall_seconds:
                if not stalled:
                    stalls.append(
                        {
                            "at": datetime.now(UTC).isoformat(timespec="seconds"),
                            "idle_seconds": round(idle, 1),
                            "remaining": remaining,
                        }
                    )
                    stalled = True
                    if self.kill_on_stall:
                        stopping, stopped_by = True, "stalled"
                        _signal(proc, signal.SIGTERM)
                        threading.Thread(target=_kill_later, args=(proc, 10.0), daemon=True).start()
            elif idle < self.spec.stall_seconds:
                stalled = False
            detail = self._detail(proc, initial, remaining, paused, stalled, stalls, samples, now)
            store.merge_detail(conn, self.name, detail)
            conn.execute(
                "UPDATE phasetui.backfills SET rate = %s, eta_seconds = %s WHERE name = %s",
                (detail["rate"], detail["eta_seconds"], self.name),
            )
            if on_progress is not None:
                on_progress(detail)
        exit_code = proc.wait()
        remaining = self._remaining(conn)
        detail = self._detail(
            proc, initial, remaining, False, False, stalls, samples, time.monotonic()
        )
        detail["exit_code"] = exit_code
        if exit_code == 0 and (remaining is None or remaining == 0) and stopped_by is None:
            state = "done"
        elif stopped_by in ("stopped", "interrupted"):
            state = stopped_by
        elif exit_code == 0:
            state = "incomplete"
        else:
            state = "failed"
        error = None
        if state == "failed":
            error = f"command exited with {exit_code}" + (" after a stall" if stalls else "")
        elif state == "incomplete":
            error = f"command exited 0 but {remaining} rows still match"
        store.merge_detail(conn, self.name, detail)
        conn.execute(
            "UPDATE phasetui.backfills SET state = %s, last_error = coalesce(%s, last_error), "
            "finished_at = now(), eta_seconds = NULL, updated_at = now() WHERE name = %s",
            ("done" if state == "done" else "failed" if state in ("failed", "incomplete")
             else "running", error, self.name),
        )  # fmt: skip
        conn.close()
        elapsed = time.monotonic() - started
        from phasetui.db.environments import describe_dsn, redact

        rows = detail["rows_done"]
        return BackfillResult(
            name=self.name,
            mode="external",
            target=describe_dsn(self.dsn),
            table=self._key.qualified,
            key=list(self._key.columns),
            set=list(self.spec.set),
            where=self.where,
            state=state,
            rows_updated=rows,
            rows_this_run=rows,
            batches=0,
            retries=0,
            throttled_seconds=0.0,
            elapsed_seconds=round(elapsed, 3),
            rows_per_second=round(rows / elapsed, 1) if elapsed > 0 else None,
            workers=1,
            batch_size=0,
            started_at=started_wall,
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            last_error=error,
            command=redact(self.spec.command or ""),
            exit_code=exit_code,
            stalls=stalls,
            output_tail=[redact(x) for x in tail],
            settings={
                "progress_query": self.progress_query,
                "stall_seconds": self.spec.stall_seconds,
            },
            final_check=_final_check(remaining),
        )

    def _detail(self, proc, initial, remaining, paused, stalled, stalls, samples, now) -> dict:
        rows_done = max(0, (initial or 0) - (remaining or 0)) if remaining is not None else 0
        samples.append((now, rows_done))
        while len(samples) > 2 and samples[0][0] < now - 60:
            samples.popleft()
        rate = None
        if len(samples) >= 2 and samples[-1][0] - samples[0][0] > 0.5:
            rate = (samples[-1][1] - samples[0][1]) / (samples[-1][0] - samples[0][0])
        eta = remaining / rate if rate and rate > 0 and remaining is not None else None
        return {
            "pid": proc.pid,
            "command": self.argv[0],
            "rows_done": rows_done,
            "remaining": remaining,
            "initial_remaining": initial,
            "fraction": (rows_done / initial) if initial else (1.0 if remaining == 0 else 0.0),
            "paused": paused,
            "stalled": stalled,
            "stalls": stalls,
            "rate": rate,
            "eta_seconds": eta,
        }


def _final_check(remaining: int | None) -> dict:
    """What "done" rests on here: the rows still to do, measured after the command ended
    (the WHERE or the progress query), or — with neither — only the command's exit code."""
    if remaining is None:
        return {
            "checked": False,
            "skipped": "no --where or --progress-query: only the command's exit code says "
            "it is done",
        }
    return {"checked": True, "rows_still_matching": remaining}


def _pump(proc: subprocess.Popen, lines: queue.Queue) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


def _kill_later(proc: subprocess.Popen, seconds: float) -> None:
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL)


def run_external(dsn: str, spec: BackfillSpec, **kwargs) -> BackfillResult:
    kill_on_stall = kwargs.pop("kill_on_stall", False)
    return ExternalJob(dsn, spec, kill_on_stall=kill_on_stall).run(**kwargs)
