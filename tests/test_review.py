"""The offline review of an audit repo built through the real engine, read from a clone.

The repo is written with the database settings set; the review runs with them unset, in
another time zone (Asia/Tokyo), from a ``git clone`` in a new folder, and must show what was
changed, by whom, when, what it cost, what was overridden and why, and how to roll back.
"""

from __future__ import annotations

import json

from phasetui.review.compare import compare_runs
from phasetui.review.listing import list_runs
from phasetui.review.render_json import review_json
from phasetui.review.render_md import render_compare, render_list, render_run
from phasetui.review.review import build_review
from phasetui.review.run import load_run
from phasetui.review.source import ReviewSource
from tests import review_support as rs

pytest_plugins = ("tests.review_fixtures",)  # the built repo, its clone, the Tokyo zone


def test_smoke(cloned):
    src = ReviewSource.open(cloned)
    rows = list_runs(src)
    print(render_list(rows, str(cloned)))
    run = load_run(src, rs.PRODUCTION_RUN)
    review = build_review(run)
    print(render_run(review))
    print(render_compare(compare_runs(load_run(src, rs.STAGING_RUN), run)))


def test_smoke_staging(cloned):
    src = ReviewSource.open(cloned)
    review = build_review(load_run(src, rs.STAGING_RUN))
    text = render_run(review)
    print(text[text.index("## Lock rehearsals") : text.index("## Migration status")])
    print(text[text.index("## Backfills") : text.index("## Backfills") + 1500])
    json.dumps(review_json(review))
