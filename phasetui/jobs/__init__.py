"""Jobs: one step run by a worker process detached from the terminal that started it.

Quitting the TUI, closing the terminal or losing SSH does not stop a job: the worker has its
own session, no terminal, and writes its output to a log file. While it runs, its state lives
outside git, in ``<audit repo>/.git/phasetui/jobs/<run-id>/<job-id>/`` (``job.json``,
``log``, ``state.json``, ``samples.jsonl``), readable by any session on the host; when it
ends, the log and samples become evidence of the step in the same commit as its result.

No Textual, no click: the CLI (``phasetui step run --detach``, ``phasetui jobs``) and the TUI
are faces over :mod:`phasetui.jobs.start`, :mod:`phasetui.jobs.listing` and
:mod:`phasetui.jobs.worker`.
"""
