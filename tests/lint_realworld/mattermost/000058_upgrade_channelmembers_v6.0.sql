-- source: https://github.com/mattermost/mattermost/blob/45b3110bf0701d44625d07c26a4be132172ad499/server/channels/db/migrations/postgres/000058_upgrade_channelmembers_v6.0.up.sql

ALTER TABLE channelmembers ALTER COLUMN notifyprops TYPE jsonb USING notifyprops::jsonb;

-- nolint:concurrentIndex
CREATE INDEX IF NOT EXISTS idx_channelmembers_user_id_channel_id_last_viewed_at ON channelmembers(userid, channelid, lastviewedat);
-- nolint:concurrentIndex
CREATE INDEX IF NOT EXISTS idx_channelmembers_channel_id_scheme_guest_user_id ON channelmembers(channelid, schemeguest, userid);

-- nolint:concurrentIndex
DROP INDEX IF EXISTS idx_channelmembers_user_id;
