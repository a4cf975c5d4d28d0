-- Issue 18: the flow index (ADM-1, stuck flows), one row per flow under its partition key
-- ("<kind>/<partition>"). The log's consumer writes only the flows of its batch; a partition kept as
-- one grain state was rewritten whole by every batch, and it holds every upcoming booking.
-- A finished flow's row stays a while (Operations:FinishedMemory), so a late event cannot revive it.
CREATE TABLE IF NOT EXISTS caas_flow_index (
    service_id text        NOT NULL,
    index_key  text        NOT NULL,
    flow_id    text        NOT NULL,
    sequence   bigint      NOT NULL,
    moved_at   timestamptz NOT NULL,
    finished   boolean     NOT NULL,
    flow       json        NOT NULL,
    PRIMARY KEY (service_id, index_key, flow_id)
);

CREATE INDEX IF NOT EXISTS caas_flow_index_finished
    ON caas_flow_index (service_id, moved_at) WHERE finished;
