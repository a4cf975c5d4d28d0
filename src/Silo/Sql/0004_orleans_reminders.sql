-- Reminders. grain_hash places each reminder on the silo ring; a silo reads the rows of its
-- range, which wraps around when the range's end is below its start (ReadRangeRows2Key).
CREATE TABLE IF NOT EXISTS orleans_reminder (
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminder_ring ON orleans_reminder (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('UpsertReminderRowKey', $sql$
INSERT INTO orleans_reminder (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
   SET start_time = EXCLUDED.start_time,
       period_ms  = EXCLUDED.period_ms,
       grain_hash = EXCLUDED.grain_hash,
       version    = orleans_reminder.version + 1
RETURNING version AS Version
$sql$),

('ReadReminderRowKey', $sql$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$sql$),

('ReadReminderRowsKey', $sql$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId AND grain_id = @GrainId
$sql$),

('ReadRangeRows1Key', $sql$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$sql$),

('ReadRangeRows2Key', $sql$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans_reminder
 WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$sql$),

('DeleteReminderRowKey', $sql$
WITH deleted AS (
    DELETE FROM orleans_reminder
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
    RETURNING 1
)
SELECT count(*) > 0 FROM deleted
$sql$),

('DeleteReminderRowsKey', $sql$
DELETE FROM orleans_reminder WHERE service_id = @ServiceId
$sql$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
