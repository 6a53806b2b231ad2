-- source: https://github.com/coder/coder/blob/6f2a1369fc61450bc913548689ccb4ddd3ce7944/coderd/database/migrations/000014_provisioner_daemons_organization_id.up.sql

ALTER TABLE provisioner_daemons DROP COLUMN organization_id;
