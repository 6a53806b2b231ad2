"""A Markdown guide (like the team's own, in English or Azerbaijani) as a checklist runbook.

``## `` sections become phases; ``- [ ]`` / ``- [x]`` items become checklist items; other
list items become manual ``check`` steps, with any indented lines or code blocks under
them kept as their instructions. Nothing is executed from a Markdown guide.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from phasetui.runbook.errors import Problem, RunbookError
from phasetui.runbook.model import ChecklistItem, Phase, Runbook, Step

_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_H2 = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_BOX = re.compile(r"^\s{0,3}[-*+]\s+\[( |x|X)\]\s+(.+)$")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+(.+)$")
_NUMBER_PREFIX = re.compile(r"^\s*\d+[.)]?\s*")

# Words in a section heading that say which migration phase it is (English and Azerbaijani).
_PHASE_WORDS = [
    ("rollback", ("rollback", "geri qaytar")),
    ("prepare", ("prepar", "hazırlıq")),
    ("expand", ("phase 1", "faza 1", "add the column", "expand")),
    ("backfill", ("phase 2", "faza 2", "fill", "backfill", "doldur")),
    ("contract", ("phase 3", "faza 3", "constraint", "contract")),
    ("signoff", ("sign-off", "signoff", "təsdiq", "checklist", "nəzarət")),
]


def slugify(text: str, limit: int = 40) -> str:
    text = text.replace("ə", "e").replace("Ə", "E").replace("ı", "i").replace("İ", "I")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "item"


def _plain(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m[1] or m[2], text).strip()


def _phase_kind(title: str) -> str:
    low = title.lower()
    for kind, words in _PHASE_WORDS:
        if any(w in low for w in words):
            return kind
    return "other"


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def load_markdown_runbook(path: Path, source: str) -> Runbook:
    title = ""
    phases: list[Phase] = []
    checklist: list[ChecklistItem] = []
    ids: set[str] = set()
    last_step: Step | None = None
    last_item: ChecklistItem | None = None
    blank_since_item = False
    in_fence = False
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            if last_step is not None:
                _append_instruction(last_step, line)
            continue
        if in_fence:
            if last_step is not None:
                _append_instruction(last_step, line)
            continue
        if m := _H2.match(line):
            heading = m[1]
            pid = _unique(slugify(_NUMBER_PREFIX.sub("", heading)), ids)
            phases.append(Phase(pid, heading, _phase_kind(heading), line=number))
            last_step, last_item = None, None
            continue
        if (m := _H1.match(line)) and not title:
            title = m[1]
            continue
        box = _BOX.match(line)
        item = _ITEM.match(line)
        if (box or item) and not phases:
            phases.append(Phase("general", "General", "other", line=number))
        if box:
            text = _plain(box[2])
            iid = _unique(slugify(text), ids)
            last_item = ChecklistItem(iid, text, phases[-1].id, None, number, box[1] != " ")
            checklist.append(last_item)
            last_step, blank_since_item = None, False
        elif item:
            text = _plain(item[1])
            phase = phases[-1]
            sid = _unique(f"{phase.id}-{len(phase.steps) + 1}", ids)
            last_step = Step(sid, "check", text, phase.id, line=number)
            phase.steps.append(last_step)
            last_item, blank_since_item = None, False
        elif not stripped:
            blank_since_item = True
        elif line[:1].isspace() and not blank_since_item and (last_step or last_item):
            # A wrapped line of the item itself (Markdown's lazy continuation).
            if last_step is not None:
                last_step.title = f"{last_step.title} {_plain(stripped)}"
            elif last_item is not None:
                last_item.text = f"{last_item.text} {_plain(stripped)}"
        elif line[:1].isspace() and last_step is not None:
            _append_instruction(last_step, line)
        else:
            last_step, last_item = None, None
    if not phases and not checklist:
        raise RunbookError(
            [
                Problem(
                    path,
                    1,
                    "no `## ` sections and no `- [ ]` items found; "
                    "a Markdown runbook needs at least one of them",
                )
            ]
        )
    return Runbook(
        id=slugify(path.stem, 60),
        title=title or path.stem,
        path=path,
        source=source,
        format="markdown",
        phases=phases,
        checklist=checklist,
    )


def _append_instruction(step: Step, line: str) -> None:
    previous = step.params.get("instructions", "")
    step.params["instructions"] = f"{previous}\n{line.strip()}" if previous else line.strip()
