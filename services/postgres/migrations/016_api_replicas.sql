-- The API replicas alive now: each beats every few seconds and leaves at
-- shutdown. A replica that died without leaving is counted until its beat
-- is stale. The rate limits divide each budget among the replicas alive.
CREATE TABLE api_replicas (
    id      uuid PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);
