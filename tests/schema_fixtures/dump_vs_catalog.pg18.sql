-- Forms of PostgreSQL 17/18 (after dump_vs_catalog.sql): the builtin collation provider,
-- NOT NULL constraints that are NOT VALID, NO INHERIT or named, on parents with children.
CREATE COLLATION "UPPER"."Builtin" (provider = builtin, locale = 'C.UTF-8');
CREATE TABLE inh.bc (t text COLLATE "UPPER"."Builtin");
-- NOT NULL constraints of PostgreSQL 18: NOT VALID, NO INHERIT, named
CREATE TABLE inh.nv (a int, b int, c int);
ALTER TABLE inh.nv ADD CONSTRAINT nv_a_nn NOT NULL a NOT VALID;
ALTER TABLE inh.nv ADD CONSTRAINT "B nn" NOT NULL b;
CREATE TABLE inh.nv_child () INHERITS (inh.nv);
CREATE TABLE inh.noinh (a int NOT NULL NO INHERIT, b int);
CREATE TABLE inh.noinh_child () INHERITS (inh.noinh);

