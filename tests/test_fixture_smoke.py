import psycopg


def test_each_test_gets_its_own_database(db_dsn, make_db):
    other = make_db()
    with psycopg.connect(db_dsn) as a, psycopg.connect(other) as b:
        a.execute("create table marker(x int)")
        a.commit()
        found = b.execute("select to_regclass('marker')").fetchone()[0]
        assert found is None
        assert (
            a.execute("select current_database()").fetchone()[0]
            != b.execute("select current_database()").fetchone()[0]
        )
