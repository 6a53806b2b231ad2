-- source: https://github.com/LemmyNet/lemmy/blob/439734dd638a2c06a2f907beab7dcf4646e88f86/migrations/2023-09-12-194850_add_federation_worker_index/up.sql

CREATE INDEX idx_person_local_instance ON person (local DESC, instance_id);
