-- source: https://github.com/mattermost/mattermost/blob/2b5aecec6dd046ca579e976ddbcaf4da1a0b3d9f/server/channels/db/migrations/postgres/000108_fileinfo_channelid.up.sql

CREATE INDEX IF NOT EXISTS idx_fileinfo_channel_id_create_at ON fileinfo(channelid, createat);
