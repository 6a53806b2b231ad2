-- source: https://github.com/supabase/auth/blob/bc32168e13fdc928c98b449fc76bc3fdb9a293c5/migrations/20221020193600_add_sessions_user_id_index.up.sql
-- note: the migration's template placeholder {{ index .Options "Namespace" }} is rendered as `auth` (its default)

create index if not exists sessions_user_id_idx on auth.sessions (user_id);
