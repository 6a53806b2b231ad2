-- source: https://github.com/authelia/authelia/blob/23572030b4048922a377ca40d59e804e0ed25fd7/internal/storage/migrations/postgres/V0009.FixConstraints.up.sql

ALTER TABLE webauthn_devices
    ALTER COLUMN aaguid DROP NOT NULL;

UPDATE webauthn_devices
SET aaguid = NULL
WHERE aaguid = '' OR aaguid = '00000000-00000000-00000000-00000000';
