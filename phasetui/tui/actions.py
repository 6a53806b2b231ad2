"""Every key binding in one table: the app's BINDINGS, the footer and the help screen read it.

Keys avoid what SSH and tmux users lose (ctrl+s, ctrl+j, alt-combos); each binding has an
id so a user keymap can remap it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str
    key: str
    action: str
    label: str
    help: str
    show: bool = True


ACTIONS: list[Action] = [
    Action("tick", "t", "tick", "Tick", "Tick or untick the selected checklist item (with a note)"),
    Action("note", "n", "note", "Note", "Add a note to the run"),
    Action("checklist", "c", "focus('checklist')", "Checklist", "Focus the checklist"),
    Action("phases", "p", "focus('phases')", "Phases", "Focus the phases and steps"),
    Action("reload", "r", "reload", "Reload", "Re-read the run from the audit repo", show=False),
    Action("help", "question_mark", "help", "Help", "Show this help"),
    Action("quit", "q", "quit", "Quit", "Quit (the run stays open; resume with phasetui run)"),
    Action("quit_ctrl", "ctrl+q", "quit", "Quit", "Quit", show=False),
]


def bindings() -> list[Binding]:
    return [
        Binding(a.key, a.action, a.label, show=a.show, id=a.id, key_display=_display(a.key))
        for a in ACTIONS
    ]


def _display(key: str) -> str:
    return {"question_mark": "?", "ctrl+q": "^q"}.get(key, key)


def help_rows() -> list[tuple[str, str]]:
    rows = [(_display(a.key), a.help) for a in ACTIONS if a.id != "quit_ctrl"]
    rows += [
        ("tab / shift+tab", "Move between panes"),
        ("↑ ↓ / enter", "Move in a list; enter on a checklist item ticks it"),
        ("escape", "Close a dialog without saving"),
    ]
    return rows
