-- source: https://github.com/LemmyNet/lemmy/blob/439734dd638a2c06a2f907beab7dcf4646e88f86/migrations/2025-08-01-000034_no-image-token/up.sql

ALTER TABLE local_image
    DROP COLUMN pictrs_delete_token;
