"""A command the user must copy, shown whole, until dismissed; ``w`` writes it to a file.

A toast wraps mid-word and vanishes; a terminal selection of a wrapped line picks up line
breaks. So the command is shown in full (folded, never cut) with what it needs, and ``w``
writes it as a small shell script in the current directory (never into the audit repo,
whose working tree must stay clean) and says where.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from phasetui.redaction import redact
from phasetui.tui.actions import bindings, key_hint


class CommandDialog(ModalScreen[Path | None]):
    """Dismisses with the file written (if ``w`` was pressed) or None."""

    DEFAULT_CSS = """
    CommandDialog { align: center middle; }
    CommandDialog > #command-box {
        width: 90%; max-width: 110; height: auto; max-height: 95%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    CommandDialog #command-scroll { height: auto; max-height: 14; }
    CommandDialog #command-text {
        background: $boost; padding: 0 1; margin: 1 0; text-style: bold;
    }
    CommandDialog #command-keys, CommandDialog #command-needs { color: $text-muted; }
    CommandDialog #command-written { color: $success; }
    CommandDialog Label { width: 100%; }
    """
    KEYS = "command-dialog"
    BINDINGS = bindings(KEYS)

    def __init__(
        self,
        title: str,
        command: str,
        *,
        why: str = "",
        needs: tuple[str, ...] = (),
        file_stem: str = "phasetui-command",
        folder: Path | None = None,
    ) -> None:
        super().__init__(id="command-dialog")
        self.title_text = title
        self.command = redact(command)  # shown and written: never a password
        self.why = why
        self.needs = needs
        self.file_stem = file_stem
        self.folder = folder
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="command-box"):
            yield Label(Text(self.title_text, style="bold"), id="command-title")
            with VerticalScroll(id="command-scroll"):
                if self.why:
                    yield Static(Text(self.why), id="command-why")
                yield Static(Text(self.command, overflow="fold"), id="command-text")
                if self.needs:
                    yield Static(Text("needs: " + "\n       ".join(self.needs)), id="command-needs")
            yield Label(Text(""), id="command-written")
            yield Label(Text(key_hint(self.KEYS)), id="command-keys")

    def action_write(self) -> None:
        folder = self.folder or Path.cwd()
        path = folder / f"{self.file_stem}.sh"
        try:
            path.write_text(f"#!/bin/sh\n# {self.title_text}\n{self.command}\n", encoding="utf-8")
            path.chmod(0o700)
        except OSError as exc:
            message = Text(f"Not written: {exc.strerror or exc} ({path})", style="bold red")
            self.query_one("#command-written", Label).update(message)
            return
        self.written = path
        self.query_one("#command-written", Label).update(Text(f"Written to {path}"))

    def action_close(self) -> None:
        self.dismiss(self.written)
