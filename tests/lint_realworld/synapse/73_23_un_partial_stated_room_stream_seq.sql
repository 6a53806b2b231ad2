-- source: https://github.com/element-hq/synapse/blob/a58ad44eb0ce3cc14153f921206f322e17339dc5/synapse/storage/schema/main/delta/73/23_un_partial_stated_room_stream_seq.sql.postgres

/* Copyright 2022 The Matrix.org Foundation C.I.C
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *    http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

CREATE SEQUENCE IF NOT EXISTS un_partial_stated_event_stream_sequence;

SELECT setval('un_partial_stated_event_stream_sequence', (
    SELECT COALESCE(MAX(stream_id), 1) FROM un_partial_stated_event_stream
));
