-- source: https://github.com/ory/kratos/blob/b86338da04a040247a07f46100a86dcfb3875909/persistence/sql/migrations/sql/20260327101213000000_add_break_glass_to_recovery_addresses.up.sql

ALTER TABLE identity_recovery_addresses ADD COLUMN break_glass_for_organization UUID;
