-- source: https://github.com/supabase/auth/blob/bc32168e13fdc928c98b449fc76bc3fdb9a293c5/migrations/20241009103726_add_web_authn.up.sql
-- note: the migration's template placeholder {{ index .Options "Namespace" }} is rendered as `auth` (its default)

alter table auth.mfa_factors add column if not exists web_authn_credential jsonb null;
alter table auth.mfa_factors add column if not exists web_authn_aaguid uuid null;
alter table auth.mfa_challenges add column if not exists web_authn_session_data jsonb null;
