-- source: https://github.com/LemmyNet/lemmy/blob/439734dd638a2c06a2f907beab7dcf4646e88f86/migrations/2025-08-01-000033_add_post_keyword_block_table/up.sql

CREATE TABLE local_user_keyword_block (
    local_user_id int REFERENCES local_user (id) ON UPDATE CASCADE ON DELETE CASCADE NOT NULL,
    keyword varchar(50) NOT NULL,
    PRIMARY KEY (local_user_id, keyword)
);
