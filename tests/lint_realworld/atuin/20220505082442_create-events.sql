-- source: https://github.com/atuinsh/atuin/blob/824c8716d82bed774ee6a83c683087ae77715814/crates/atuin-server-postgres/migrations/20220505082442_create-events.sql

create type event_type as enum ('create', 'delete');
 
create table events (
	id bigserial primary key,
	client_id text not null unique, -- the client-generated ID
	user_id bigserial not null,     -- allow multiple users
	hostname text not null,         -- a unique identifier from the client (can be hashed, random, whatever)
	timestamp timestamp not null,   -- one of the few non-encrypted metadatas

	event_type event_type,
	data text not null,    -- store the actual history data, encrypted. I don't wanna know!

	created_at timestamp not null default current_timestamp
);
