-- Grain state. A grain is identified by service, grain type and key (two integers for integer and
-- Guid keys, a string for string keys); the provider also sends hashes of the key and the type,
-- which lead the index so lookups stay narrow however long the keys are.
CREATE TABLE IF NOT EXISTS orleans_grain_state (
    service_id      text        NOT NULL,
    grain_type      text        NOT NULL,
    grain_type_hash integer     NOT NULL,
    grain_id_hash   integer     NOT NULL,
    grain_id_n0     bigint      NOT NULL,
    grain_id_n1     bigint      NOT NULL,
    grain_key       text        NOT NULL DEFAULT '',
    payload         bytea,
    version         integer     NOT NULL,
    modified_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_identity
    ON orleans_grain_state (grain_id_hash, grain_type_hash, service_id, grain_type, grain_id_n0, grain_id_n1, grain_key);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('ReadFromStorageKey', $sql$
SELECT payload AS PayloadBinary,
       version AS Version
  FROM orleans_grain_state
 WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
   AND service_id = @ServiceId AND grain_type = @GrainTypeString
   AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND grain_key = coalesce(CAST(@GrainIdExtensionString AS text), '')
$sql$),

-- Optimistic concurrency: a first write (no version yet) inserts version 1 unless another
-- activation got there first; a later write succeeds only against the version it read. The answer
-- is always one row, NULL when nothing was written, which the provider reports as a conflict.
('WriteToStorageKey', $sql$
WITH updated AS (
    UPDATE orleans_grain_state
       SET payload = @PayloadBinary, version = version + 1, modified_at = now()
     WHERE CAST(@GrainStateVersion AS integer) IS NOT NULL
       AND grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
       AND grain_key = coalesce(CAST(@GrainIdExtensionString AS text), '')
       AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version
), inserted AS (
    INSERT INTO orleans_grain_state
           (service_id, grain_type, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_key, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           coalesce(CAST(@GrainIdExtensionString AS text), ''), @PayloadBinary, 1
     WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted LIMIT 1) AS NewGrainStateVersion
$sql$),

-- Clearing keeps the row (and its version) so a stale activation still conflicts afterwards.
('ClearStorageKey', $sql$
WITH cleared AS (
    UPDATE orleans_grain_state
       SET payload = NULL, version = version + 1, modified_at = now()
     WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
       AND grain_key = coalesce(CAST(@GrainIdExtensionString AS text), '')
       AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version
)
SELECT (SELECT version FROM cleared) AS NewGrainStateVersion
$sql$),

('DeleteStorageKey', $sql$
WITH deleted AS (
    DELETE FROM orleans_grain_state
     WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
       AND grain_key = coalesce(CAST(@GrainIdExtensionString AS text), '')
       AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version + 1 AS version
)
SELECT (SELECT version FROM deleted) AS NewGrainStateVersion
$sql$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
