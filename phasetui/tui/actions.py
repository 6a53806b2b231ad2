"""Every key of every screen in one registry: bindings, footers, help and dialog hints.

Each screen (and dialog) has a :class:`KeySet`; its ``BINDINGS`` come from
:func:`bindings`, ``?`` shows :func:`help_rows` of the screen on top, and a dialog's
"enter: save  escape: cancel" line is :func:`key_hint`. So no screen can show a key it does
not have. Keys avoid what SSH and tmux users lose (ctrl+s, ctrl+j, alt-combos); each binding
has an id so a user keymap can remap it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str
    key: str  # Textual key name(s), comma separated
    action: str
    label: str  # the footer's word
    help: str  # the help screen's sentence
    show: bool = True


@dataclass(frozen=True)
class KeySet:
    """The keys of one screen; ``notes`` are keys its widgets handle (enter, arrows)."""

    title: str
    actions: tuple[Action, ...]
    notes: tuple[tuple[str, str], ...] = ()
    # Whether the app-wide keys (? help, q quit) work here (not in a dialog with an input).
    app_keys: bool = True
    legend: tuple[str, ...] = field(default=())


# Bound on the App: ? and q work on every screen but dialogs (where q may be typed);
# ctrl+q quits from anywhere.
APP = KeySet(
    "Everywhere",
    (
        Action("help", "question_mark", "help", "Help", "Show the keys of this screen"),
        Action("quit", "q", "quit_key", "Quit", "Quit (the run stays open; reopen to resume)"),
        Action("quit_ctrl", "ctrl+q", "quit", "Quit", "Quit from anywhere", show=False),
    ),
)

MAIN = KeySet(
    "Run screen",
    (
        Action("tick", "t", "tick", "Tick", "Tick or untick the highlighted checklist item"),
        Action("note", "n", "note", "Note", "Add a note to the run"),
        Action("checklist", "c", "focus('checklist')", "Checklist", "Focus the checklist"),
        Action("phases", "p", "focus('phases')", "Phases", "Focus the phases and steps"),
        Action(
            "command",
            "x",
            "command",
            "Command",
            "Show the command line of the highlighted step (to run it from another shell)",
        ),
        Action(
            "reload",
            "r",
            "reload",
            "Reload",
            "Re-read the run from the audit repo (it is re-read on its own when it changes)",
            show=False,
        ),
        Action("jobs", "j", "jobs", "Jobs", "Show the run's jobs: live panes of long steps"),
        Action(
            "drive",
            "D",
            "drive",
            "Drive",
            "Take the driver's lease (free or expired): only the driver runs steps",
            show=False,
        ),
        Action(
            "handover", "h", "handover", "Hand over", "Hand the driver's lease over", show=False
        ),
        Action(
            "close_run",
            "C",
            "close_run",
            "Close run",
            "End the run: done, rolled back or abandoned (asked, recorded)",
            show=False,
        ),
    ),
    notes=(
        (
            "enter",
            "On a step: open it (sql, schema-diff), start it as a job (backfill, "
            "backup, shell) or run it (other kinds)",
        ),
        ("enter / space", "On a checklist item: tick or untick it (asks for a note)"),
        ("tab / shift+tab", "Move between phases, checklist and notes"),
        ("↑ ↓", "Move in a list; the top pane shows the highlighted step or item in full"),
    ),
    legend=(
        "[x] ticked   [ ] not ticked",
        "✓ evidence recorded   ✗ evidence failed   … waits for its step's evidence",
    ),
)

SQL_STEP = KeySet(
    "SQL step screen",
    (
        Action("step_lint", "l", "lint", "Lint", "Lint the step's SQL again (recorded)"),
        Action(
            "step_rehearse",
            "r",
            "rehearse",
            "Rehearse",
            "Rehearse on staging in a transaction that is rolled back (recorded)",
        ),
        Action(
            "step_apply",
            "a",
            "apply",
            "Apply",
            "Apply on the step's environment, through every gate (recorded)",
        ),
        Action("step_warnings", "w", "toggle_warnings", "Warnings", "Show or hide lint warnings"),
        Action(
            "step_command",
            "x",
            "command",
            "Command",
            "Show the command line that runs this step headless",
        ),
        Action("step_back", "escape", "back", "Back", "Back to the run screen"),
    ),
    notes=(
        ("tab / shift+tab", "Move between the SQL, the lint findings and the rehearsal"),
        ("↑ ↓", "In the findings: show the highlighted finding in full below"),
    ),
)

SCHEMA_DIFF = KeySet(
    "Schema diff screen",
    (
        Action(
            "schema_filter",
            "f",
            "cycle_filter",
            "Filter",
            "Cycle the filter: all, added, removed, changed, renamed",
        ),
        Action("schema_search", "slash", "search", "Search", "Search object names"),
        Action(
            "schema_reviewed",
            "v",
            "mark_reviewed",
            "Reviewed",
            "Mark the diff reviewed (recorded as the step's evidence) and go back",
        ),
        Action("schema_back", "escape", "back", "Back", "Leave the search, or go back unreviewed"),
    ),
    notes=(
        ("↑ ↓ / enter", "Move in the tree; the right shows what changed and the DDL of A and B"),
        ("enter (in search)", "Back to the tree"),
    ),
)

JOBS = KeySet(
    "Jobs screen",
    (
        Action("job_pause", "p", "control('pause')", "Pause", "Pause the focused backfill"),
        Action("job_resume", "u", "control('resume')", "Resume", "Resume a paused backfill"),
        Action("job_stop", "s", "stop", "Stop", "Stop the focused job (asked; resumable)"),
        Action(
            "job_batch_up",
            "plus,equals_sign",
            "batch(2.0)",
            "Batch ×2",
            "Double the backfill's batch size",
        ),
        Action(
            "job_batch_down", "minus", "batch(0.5)", "Batch ÷2", "Halve the backfill's batch size"
        ),
        Action(
            "job_resume_lost",
            "R",
            "resume_lost",
            "Resume lost",
            "Start a new worker for a lost job, from its checkpoint",
            show=False,
        ),
        Action(
            "job_cancel_blocker",
            "k",
            "blocker(False)",
            "Cancel blocker",
            "Cancel the first blocking session's statement (asked, journaled)",
            show=False,
        ),
        Action(
            "job_kill_blocker",
            "K",
            "blocker(True)",
            "Terminate blocker",
            "Terminate the first blocking session (asked, journaled)",
            show=False,
        ),
        Action("jobs_back", "escape", "back", "Back", "Back to the run screen"),
    ),
    notes=(("tab / shift+tab", "Move between the job panes; keys act on the focused one"),),
)

HELP = KeySet(
    "Help",
    (Action("help_close", "escape,q,question_mark", "dismiss_help", "Close", "Close the help"),),
    app_keys=False,
)

TEXT_DIALOG = KeySet(
    "Dialog",
    (Action("dialog_cancel", "escape", "cancel", "Cancel", "cancel"),),
    notes=(("enter", "save"),),
    app_keys=False,
)

CONFIRM_DIALOG = KeySet(
    "Question",
    (
        Action("confirm_yes", "y", "answer(True)", "Yes", "yes"),
        Action("confirm_no", "n,escape", "answer(False)", "No", "no"),
    ),
    app_keys=False,
)

OVERRIDE_DIALOG = KeySet(
    "Override",
    (Action("override_cancel", "escape", "cancel", "Cancel", "cancel"),),
    notes=(("enter", "apply with this reason"),),
    app_keys=False,
)

COMMAND_DIALOG = KeySet(
    "Command",
    (
        Action("command_write", "w", "write", "Write", "write it to a file"),
        Action("command_close", "escape,enter", "close", "Close", "close"),
    ),
    app_keys=False,
)

KEYSETS: dict[str, KeySet] = {
    "app": APP,
    "main": MAIN,
    "sql-step": SQL_STEP,
    "schema-diff": SCHEMA_DIFF,
    "jobs": JOBS,
    "help": HELP,
    "text-dialog": TEXT_DIALOG,
    "confirm-dialog": CONFIRM_DIALOG,
    "override-dialog": OVERRIDE_DIALOG,
    "command-dialog": COMMAND_DIALOG,
}

_NAMES = {
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "question_mark": "?",
    "slash": "/",
    "ctrl+q": "^q",
    "escape": "escape",
    "enter": "enter",
}


def display(key: str) -> str:
    """``escape,question_mark`` → ``escape / ?``: keys as a user types them."""
    return " / ".join(_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


def bindings(screen: str) -> list[Binding]:
    return [
        Binding(
            a.key,
            a.action,
            a.label,
            show=a.show,
            id=a.id,
            key_display=display(a.key.split(",")[0]),
        )
        for a in KEYSETS[screen].actions
    ]


def action_names(screen: str) -> frozenset[str]:
    """The action names (without arguments) a screen binds: the app gates them by screen."""
    return frozenset(a.action.split("(")[0] for a in KEYSETS[screen].actions)


def help_rows(screen: str) -> list[tuple[str, str]]:
    """The screen's keys, its widgets' keys, then the app-wide keys that work there."""
    keyset = KEYSETS[screen]
    rows = [(display(a.key), a.help) for a in keyset.actions]
    rows += list(keyset.notes)
    app = APP.actions if keyset.app_keys else APP.actions[2:]
    rows += [(display(a.key), a.help) for a in app]
    return rows


def key_hint(screen: str) -> str:
    """A dialog's one-line key reminder: ``enter: save    escape: cancel``."""
    keyset = KEYSETS[screen]
    parts = [f"{key}: {text}" for key, text in keyset.notes]
    parts += [f"{display(a.key)}: {a.help}" for a in keyset.actions if a.show]
    return "    ".join(parts)
