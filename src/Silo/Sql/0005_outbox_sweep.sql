-- Issue 14: the outbox sweep asks which flows were written since its last look, to make sure their
-- events reached the log (a silo can die between a flow's write and its publication). Without this
-- index that question reads the whole table every minute.
CREATE INDEX IF NOT EXISTS orleans_grain_state_written
    ON orleans_grain_state (service_id, modified_at, grain_type);
