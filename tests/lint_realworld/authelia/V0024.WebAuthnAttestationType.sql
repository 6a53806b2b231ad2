-- source: https://github.com/authelia/authelia/blob/23572030b4048922a377ca40d59e804e0ed25fd7/internal/storage/migrations/postgres/V0024.WebAuthnAttestationType.up.sql

ALTER TABLE webauthn_credentials RENAME COLUMN attestation_type TO attestation_format;
ALTER TABLE webauthn_credentials ADD COLUMN attestation_type VARCHAR(32) NOT NULL DEFAULT '';
