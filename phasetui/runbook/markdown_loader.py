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


class _Ids:
    """Unique ids: ``base``, then ``base-2``, ``base-3``, … Each base remembers the next
    number to try, so 20,000 identical items cost 20,000 steps, not 200 million."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.next: dict[str, int] = {}

    def unique(self, base: str) -> str:
        candidate, n = base, self.next.get(base, 2)
        if base in self.taken:
            candidate = f"{base}-{n}"
            while candidate in self.taken:
                n += 1
                candidate = f"{base}-{n}"
            self.next[base] = n + 1
        self.taken.add(candidate)
        return candidate


# Control characters a text file does not hold (tab, LF, form feed and the CR of a CRLF
# aside): a NUL means a binary file, an escape sequence or a lone CR would reach the
# terminal and the audit repo as it is (a lone CR redraws the line it is on).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def _check_text(path: Path, source: str) -> None:
    m = _CONTROL.search(source)
    if m:
        line = source.count("\n", 0, m.start()) + 1
        column = m.start() - (source.rfind("\n", 0, m.start()) + 1) + 1
        what = {
            "\0": "a NUL byte: this is not a text file",
            "\r": "a carriage return that does not end a line (use LF or CRLF line ends)",
        }.get(m[0], "a control character")
        raise RunbookError(
            [
                Problem(
                    path,
                    line,
                    f"column {column} holds {what} (U+{ord(m[0]):04X}); "
                    "save the guide as plain UTF-8 text",
                )
            ]
        )


def load_markdown_runbook(path: Path, source: str) -> Runbook:
    _check_text(path, source)
    title = ""
    phases: list[Phase] = []
    checklist: list[ChecklistItem] = []
    ids = _Ids()
    # A step's instruction lines and an item's wrapped lines are joined once at the end:
    # adding to a growing string line by line is quadratic on a long code block.
    instructions: dict[int, tuple[Step, list[str]]] = {}
    wrapped: dict[int, tuple[Step | ChecklistItem, list[str]]] = {}

    def instruct(step: Step, text: str) -> None:
        instructions.setdefault(id(step), (step, []))[1].append(text.strip())

    def wrap(target: Step | ChecklistItem, text: str) -> None:
        wrapped.setdefault(id(target), (target, []))[1].append(_plain(text))

    last_step: Step | None = None
    last_item: ChecklistItem | None = None
    blank_since_item = False
    in_fence = False
    # Lines end at "\n" only (a trailing "\r" is stripped with the rest of the line's
    # whitespace), as in git, grep -n and an editor's status bar: a U+2028 or U+0085 inside
    # an item does not move every later line number.
    for number, line in enumerate(source.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            if last_step is not None:
                instruct(last_step, line)
            continue
        if in_fence:
            if last_step is not None:
                instruct(last_step, line)
            continue
        if m := _H2.match(line):
            heading = m[1]
            pid = ids.unique(slugify(_NUMBER_PREFIX.sub("", heading)))
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
            iid = ids.unique(slugify(text))
            last_item = ChecklistItem(iid, text, phases[-1].id, None, number, box[1] != " ")
            checklist.append(last_item)
            last_step, blank_since_item = None, False
        elif item:
            text = _plain(item[1])
            phase = phases[-1]
            sid = ids.unique(f"{phase.id}-{len(phase.steps) + 1}")
            last_step = Step(sid, "check", text, phase.id, line=number)
            phase.steps.append(last_step)
            last_item, blank_since_item = None, False
        elif not stripped:
            blank_since_item = True
        elif line[:1].isspace() and not blank_since_item and (last_step or last_item):
            # A wrapped line of the item itself (Markdown's lazy continuation).
            target = last_step if last_step is not None else last_item
            assert target is not None
            wrap(target, stripped)
        elif line[:1].isspace() and last_step is not None:
            instruct(last_step, line)
        else:
            last_step, last_item = None, None
    for step, lines in instructions.values():
        step.params["instructions"] = "\n".join(lines).lstrip("\n")
    for target, parts in wrapped.values():
        if isinstance(target, Step):
            target.title = " ".join([target.title, *parts])
        else:
            target.text = " ".join([target.text, *parts])
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
