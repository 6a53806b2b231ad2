-- source: https://github.com/LemmyNet/lemmy/blob/439734dd638a2c06a2f907beab7dcf4646e88f86/migrations/2026-02-01-205644-0000_add_moderator_warn_modlog_kind/up.sql

ALTER TYPE modlog_kind
    ADD VALUE 'ModWarnComment';

ALTER TYPE modlog_kind
    ADD VALUE 'ModWarnPost';
