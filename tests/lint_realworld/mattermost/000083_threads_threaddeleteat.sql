-- source: https://github.com/mattermost/mattermost/blob/d3d5a4712a93221d5ebdfb17796d23da9574a3e2/server/channels/db/migrations/postgres/000083_threads_threaddeleteat.up.sql

-- Drop any existing DeleteAt column from 000081_threads_deleteat.up.sql
ALTER TABLE threads DROP COLUMN IF EXISTS deleteat;

ALTER TABLE threads ADD COLUMN IF NOT EXISTS threaddeleteat bigint;
UPDATE threads SET threaddeleteat = posts.deleteat FROM posts WHERE threads.threaddeleteat IS NULL AND posts.id = threads.postid;
