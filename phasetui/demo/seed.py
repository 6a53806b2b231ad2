"""Sample data for the demo: a `staging` and a `production` database of a small school app.

Rows are generated server-side with ``generate_series`` (200,000 users in about a second),
so the demo shows real table sizes to the lint, the backfill and the schema diff. Staging
is a step ahead of production (one more migration, one more index), the way it is in life,
so that status and schema diffs have something to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

STAGING_DB = "phasetui_staging"
PRODUCTION_DB = "phasetui_production"

SCHEMA = """
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    locale text NOT NULL DEFAULT 'en',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE surveys (
    id bigserial PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES users (id),
    title text NOT NULL,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surveys_owner_id_idx ON surveys (owner_id);
CREATE TABLE documents (
    id bigserial PRIMARY KEY,
    author_id bigint,
    title text NOT NULL,
    body text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE grades (
    student_id bigint NOT NULL,
    course_id integer NOT NULL,
    score integer NOT NULL,
    graded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (student_id, course_id)
);
CREATE TABLE migrations (
    id serial PRIMARY KEY,
    migration text NOT NULL UNIQUE,
    batch integer NOT NULL
);
"""

MIGRATIONS = [
    "2024_01_10_000000_create_users_table",
    "2024_01_10_000001_create_surveys_table",
    "2024_02_02_120000_create_documents_table",
    "2024_03_15_090000_create_grades_table",
]
STAGING_ONLY_MIGRATION = "2026_11_20_100000_add_documents_created_at_index"

FILL = """
INSERT INTO users (email, name, locale, created_at)
SELECT 'user' || g || '@example.edu', 'User ' || g,
       (ARRAY['en', 'az', 'tr', 'ru', 'de'])[1 + g %% 5],
       now() - (g %% 1500) * interval '1 day'
FROM generate_series(1, %(users)s) g;

INSERT INTO surveys (owner_id, title, status, created_at)
SELECT 1 + (g * 7) %% %(users)s, 'Survey ' || g,
       (ARRAY['draft', 'open', 'closed', 'archived'])[1 + g %% 4],
       now() - (g %% 700) * interval '1 day'
FROM generate_series(1, %(surveys)s) g;

INSERT INTO documents (author_id, title, body, created_at)
SELECT CASE WHEN g %% 50 = 0 THEN NULL ELSE 1 + (g * 13) %% %(users)s END,
       'Document ' || g, repeat('lorem ipsum ', 1 + g %% 20),
       now() - (g %% 900) * interval '1 day'
FROM generate_series(1, %(documents)s) g;

INSERT INTO grades (student_id, course_id, score, graded_at)
SELECT 1 + (g - 1) / 5, 1 + (g - 1) %% 5, (g * 37) %% 101, now() - (g %% 300) * interval '1 hour'
FROM generate_series(1, %(grades)s) g;
"""


@dataclass(frozen=True)
class SeedFigures:
    database: str
    users: int
    surveys: int
    documents: int
    grades: int


def database_exists(admin_dsn: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def is_seeded(dsn: str) -> bool:
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT to_regclass('public.migrations') IS NOT NULL").fetchone()
    return bool(row and row[0])


def create_database(admin_dsn: str, name: str, *, replace: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if replace:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def seed(dsn: str, *, users: int, staging: bool) -> SeedFigures:
    """Creates the sample schema and rows in an empty database, in one transaction."""
    import psycopg

    counts = {
        "users": users,
        "surveys": max(users // 4, 1),
        "documents": max(users // 2, 1),
        "grades": users * 5,
    }
    with psycopg.connect(dsn) as conn:
        conn.execute(SCHEMA)
        for statement in FILL.split(";\n\n"):
            conn.execute(statement, counts)
        names = MIGRATIONS + ([STAGING_ONLY_MIGRATION] if staging else [])
        conn.cursor().executemany(
            "INSERT INTO migrations (migration, batch) VALUES (%s, %s)",
            [(name, 1 + n // 2) for n, name in enumerate(names)],
        )
        if staging:
            conn.execute("CREATE INDEX documents_created_at_idx ON documents (created_at)")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")
        name = conn.execute("SELECT current_database()").fetchone()[0]
    return SeedFigures(name, **counts)
