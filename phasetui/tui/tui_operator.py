"""The runner's questions as dialogs: asked from the worker thread the step runs in.

The runner runs in a Textual thread worker (never on the event loop); when it asks, the
question is pushed as a modal screen on the app's thread and the worker waits for the
answer. Escape is "no": the step stops at its gate and nothing is run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from phasetui.ops.operator import Operator


class TuiOperator(Operator):
    def __init__(self, app: Any, on_line: Callable[[str], None]) -> None:
        super().__init__()
        self.app = app
        self.on_line = on_line

    def _ask(self, make_screen: Callable[[], Any]) -> Any:
        answered = threading.Event()
        box: dict[str, Any] = {}

        def done(value: Any) -> None:
            box["value"] = value
            answered.set()

        self.app.call_from_thread(lambda: self.app.push_screen(make_screen(), done))
        while not answered.wait(0.2):
            if self.stop.is_set() or not self.app.is_running:
                return None
        return box.get("value")

    def confirm(self, question: str) -> bool:
        from phasetui.tui.confirm_dialog import ConfirmDialog

        return bool(self._ask(lambda: ConfirmDialog("Confirm", question, "", "runner-confirm")))

    def confirm_production(self, env_name: str, action: str) -> str | None:
        from phasetui.tui.text_dialog import TextDialog

        return self._ask(
            lambda: TextDialog(
                f"{action} on {env_name} (PRODUCTION)",
                f"Type {env_name} to {action}.",
                allow_empty=False,
                dialog_id="confirm-dialog",
            )
        )

    def reason(self, question: str) -> str | None:
        from phasetui.tui.text_dialog import TextDialog

        return self._ask(
            lambda: TextDialog(
                "A written reason is needed",
                question,
                allow_empty=False,
                placeholder="why it is safe (kept in the audit repo)",
                dialog_id="reason-dialog",
            )
        )

    def progress(self, line: str) -> None:
        self.app.call_from_thread(self.on_line, line)

    def inform(self, line: str) -> None:
        self.app.call_from_thread(self.on_line, line)
