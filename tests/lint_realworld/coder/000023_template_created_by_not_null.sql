-- source: https://github.com/coder/coder/blob/bf5397b9c70c8484ce44bbe53f85cf91f9709b9b/coderd/database/migrations/000001-000100/000023_template_created_by_not_null.up.sql

UPDATE
    templates
SET
    created_by = (
        SELECT user_id FROM organization_members
        WHERE organization_members.organization_id = templates.organization_id
        ORDER BY created_at
        LIMIT 1
    )
WHERE
    created_by IS NULL;


ALTER TABLE ONLY templates ALTER COLUMN created_by SET NOT NULL;
