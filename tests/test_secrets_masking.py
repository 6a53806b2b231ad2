"""The masker every output goes through: passwords in SQL, DSNs and free text never show.

``mask_sql`` reads SQL as PostgreSQL's lexer does; ``redact`` masks by shape in any text and
masks every password the process has seen. Both prefer masking too much to leaking.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phasetui.redaction import (
    dsn_passwords,
    mask_error,
    mask_sql,
    redact,
    remember_dsn,
    secret_kind,
)
from tests.secrets_support import PW, assert_masked


@pytest.fixture(autouse=True, scope="module")
def _own_known_passwords():
    """The thousands of passwords the properties plant stay in this module: every later
    ``redact`` of the session would otherwise look for each of them."""
    import phasetui.redaction as redaction

    saved = set(redaction._known), redaction._known_sorted
    yield
    redaction._known.clear()
    redaction._known.update(saved[0])
    redaction._known_sorted = saved[1]


ROLE_STATEMENTS = [
    f"ALTER ROLE app PASSWORD '{PW}';",
    f"alter user app with encrypted password '{PW}' valid until 'infinity';",
    f"CREATE ROLE app LOGIN PASSWORD '{PW}';",
    f"CREATE USER app WITH PASSWORD '{PW}' CREATEDB;",
    f"CREATE GROUP g PASSWORD '{PW}';",
    f"ALTER ROLE app PASSWORD 'Zq7''s-{PW}';",
    f"ALTER ROLE app PASSWORD E'Zq7\\'{PW}';",
    f"ALTER ROLE app PASSWORD e'{PW}\\\\';",
    f"ALTER ROLE app PASSWORD U&'{PW}';",
    f"ALTER ROLE app PASSWORD $${PW}$$;",
    f"ALTER ROLE app PASSWORD $pw${PW} 'and' $$ $pw$ LOGIN;",
    f"ALTER ROLE app PASSWORD /* it's */ '{PW}';",
    f"ALTER ROLE app PASSWORD -- it's\n '{PW}';",
    f'ALTER ROLE app PASSWORD "{PW}";',  # a syntax error the server echoes
    f"ALTER ROLE app PASSWORD {PW.replace('-', '_')};",  # unquoted: idem
    f"ALTER ROLE app PASSWORD = '{PW}';",
    f"ALTER ROLE app PASSWORD '{PW}",  # unterminated: masked to the end
    f"CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'u', password '{PW}');",
    f"ALTER USER MAPPING FOR app SERVER s OPTIONS (SET password '{PW}');",
    f"ALTER USER MAPPING FOR PUBLIC SERVER s OPTIONS (ADD \"password\" '{PW}');",
    f"CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (host 'h', password '{PW}');",
    f"CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (sslpassword '{PW}');",
    f"SELECT dblink_connect('host=h dbname=d password={PW}');",
    f"SELECT dblink_connect('c', 'host=h password=''{PW} x''');",
    f"SELECT dblink('postgresql://u:{PW}@h/d', 'SELECT 1');",
    f"CREATE SUBSCRIPTION s CONNECTION 'host=h password={PW}' PUBLICATION p;",
    f"DO $$ BEGIN EXECUTE 'ALTER ROLE r PASSWORD ''{PW}'''; END $$;",
    f"DO $body$ BEGIN PERFORM dblink_connect('password={PW}'); END $body$;",
    f"-- reset with postgresql://u:{PW}@db/app\nSELECT 1;",
    f"SELECT 1; /* PGPASSWORD={PW} */",
]


@pytest.mark.parametrize("sql", ROLE_STATEMENTS)
def test_mask_sql_masks_every_password_form(sql):
    masked = mask_sql(sql)
    assert_masked(masked)
    assert "***" in masked
    assert mask_sql(masked) == masked  # stable: masking evidence twice changes nothing
    assert_masked(redact(sql))  # free text (a message quoting the statement) too


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE users ADD COLUMN password_hash text NOT NULL DEFAULT '';",
        "ALTER ROLE app PASSWORD NULL;",
        "CREATE INDEX CONCURRENTLY users_email ON users (lower(email));",
        "UPDATE users SET locale = 'en' WHERE locale IS NULL;",
        "ALTER ROLE app PASSWORD :'pw';",  # a psql variable, not a password
    ],
)
def test_mask_sql_leaves_sql_without_a_password_alone(sql):
    assert mask_sql(sql) == sql


def test_a_server_message_quoting_only_a_token_is_masked():
    sql = "CREATE ROLE r PASSWORD Zq7secretUnquoted;"
    message = 'syntax error at or near "Zq7secretUnquoted"'
    assert "Zq7secretUnquoted" not in mask_error(message, sql)


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql://app:{PW}@db.internal:5432/app",
        f"postgres://app:Zq7@{PW}@db/app",  # a raw '@' shows nothing after it
        f"postgresql://app:Zq7/{PW}@db/app",
        f"host=db password={PW} dbname=app",
        f"host=db password='{PW} x' dbname=app",
        f"host=db password={PW.replace('-', chr(92) + ' ')} dbname=app",
        f"postgresql://app@db/app?sslmode=require&password={PW}",
        f"PGPASSWORD={PW} pg_dump -h db app",
        f'{{"password": "{PW}"}}',
        f"password: {PW}",
        f"CREATE ROLE app PASSWORD '{PW}'",
    ],
)
def test_redact_masks_passwords_in_free_text(text):
    assert_masked(redact(text))


def test_unreadable_dsns_give_up_their_password_fragments():
    assert set(dsn_passwords("host=h password=Zq7sec Xv9tail dbname=x")) >= {"Zq7sec", "Xv9tail"}
    assert "Zq7s@Xv9tail" in dsn_passwords("postgresql://a:Zq7s@Xv9tail@h/d")
    assert "Zq7secret" in dsn_passwords("password='Zq7secret")
    # once seen, a fragment is masked wherever a tool echoes it
    remember_dsn("host=h password=Zq7sec Xv9tail dbname=x")
    assert "Xv9tail" not in redact('missing "=" after "Xv9tail" in connection info string')


@pytest.mark.parametrize(
    "text,kind",
    [
        (f"postgresql://u:{PW}@h/db", "URI with a password"),
        (f"PGPASSWORD={PW} psql", "password setting"),
        (f"ALTER ROLE r PASSWORD '{PW}'", "SQL password"),
        ("PGPASSWORD=$PROD_PW pg_dump", None),
        ("psql 'postgresql://u:<password>@h/db'", None),
        ("Rotate the password policy", None),
        ("postgresql://app@db:5432/app", None),
    ],
)
def test_secret_kind_names_what_the_loader_refuses(text, kind):
    found = secret_kind(text)
    assert (found is None) if kind is None else (kind in (found or ""))


def test_the_masker_is_neutral_and_the_old_import_still_works():
    code = (
        "import sys, phasetui.redaction\n"
        "bad = [m for m in sys.modules if m.startswith(('phasetui.db', 'phasetui.audit', "
        "'phasetui.runbook', 'psycopg', 'textual'))]\n"
        "assert not bad, bad\n"
        "import phasetui.audit.events\n"
        "assert not [m for m in sys.modules if m.startswith('phasetui.db')]\n"
        "from phasetui.db.environments import redact\n"
        "assert redact is phasetui.redaction.redact\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- properties: any password, in any quoting PostgreSQL accepts ---------------------------

_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="'\"\\$ ;-/*@=:%\n"
)
_MIDDLE = st.text(_ALPHABET, max_size=20)


def _std(pw: str) -> str:
    return "'" + pw.replace("'", "''") + "'"


def _estr(pw: str) -> str:
    return "E'" + pw.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _dollar(pw: str) -> str:
    tag = "$q$" if "$q" not in pw and not pw.endswith("$") else "$zz9$"
    return tag + pw + tag


_QUOTE = st.sampled_from([_std, _estr, _dollar])
_TEMPLATE = st.sampled_from(
    [
        "ALTER ROLE app PASSWORD {}",
        "CREATE ROLE app WITH LOGIN ENCRYPTED PASSWORD {} VALID UNTIL 'infinity'",
        "create user app password {}",
        "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password {})",
        "ALTER USER MAPPING FOR app SERVER s OPTIONS (SET password {})",
        "CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (password {}, host 'h')",
        "ALTER ROLE app PASSWORD /* note: it's */ {}",
    ]
)


@pytest.mark.props
@settings(max_examples=1500)
@given(_MIDDLE, _QUOTE, _TEMPLATE, st.sampled_from(["", "-- done\n", "SELECT 1;\n"]))
def test_any_password_in_any_quoting_is_masked(middle, quote, template, before):
    pw = f"Zq7{middle}Xv9"
    sql = before + template.format(quote(pw)) + ";\nSELECT 2;"
    masked = mask_sql(sql)
    assert "Zq7" not in masked and "Xv9" not in masked, masked
    assert masked.rstrip().endswith("SELECT 2;")  # masks the password, not the rest


@pytest.mark.props
@settings(max_examples=1500)
@given(_MIDDLE, st.sampled_from(["plain", "quoted"]))
def test_any_conninfo_password_inside_a_literal_is_masked(middle, form):
    pw = f"Zq7{middle}Xv9"
    if form == "plain":
        pw = "".join(ch for ch in pw if ch not in " \t\n\r\f\v'\\")  # libpq's unquoted value
        conninfo = f"host=h password={pw} dbname=d"
    else:
        conninfo = "host=h password='" + pw.replace("\\", "\\\\").replace("'", "\\'") + "'"
    masked = mask_sql(f"SELECT dblink_connect({_std(conninfo)});")
    assert "Zq7" not in masked and "Xv9" not in masked, masked
