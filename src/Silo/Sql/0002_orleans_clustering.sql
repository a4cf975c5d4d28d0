-- Membership: one version row per cluster (optimistic concurrency for the whole table, as the
-- membership protocol requires) and one row per silo incarnation.
CREATE TABLE IF NOT EXISTS orleans_cluster_version (
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_cluster_member (
    deployment_id   text        NOT NULL REFERENCES orleans_cluster_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO orleans_cluster_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 FROM created
$sql$),

-- The version is bumped first: it takes the row lock, so of two silos writing against the same
-- version exactly one sees its WHERE still true. The member row is written only through that bump.
('InsertMembershipKey', $sql$
WITH bumped AS (
    UPDATE orleans_cluster_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = @DeploymentId AND version = @Version
    RETURNING deployment_id
), inserted AS (
    INSERT INTO orleans_cluster_member
           (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
      FROM bumped
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 FROM inserted
$sql$),

('UpdateMembershipKey', $sql$
WITH bumped AS (
    UPDATE orleans_cluster_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = @DeploymentId AND version = @Version
    RETURNING deployment_id
), updated AS (
    UPDATE orleans_cluster_member AS member
       SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
      FROM bumped
     WHERE member.deployment_id = bumped.deployment_id
       AND member.address = @Address AND member.port = @Port AND member.generation = @Generation
    RETURNING 1
)
SELECT count(*) > 0 FROM updated
$sql$),

-- Heartbeats are frequent and carry no membership decision, so they do not touch the version.
('UpdateIAmAlivetimeKey', $sql$
UPDATE orleans_cluster_member
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$sql$),

-- Both reads return the version row even when no member matches: the provider takes the table
-- version from the first row and treats a row without StartTime as "no member".
('MembershipReadRowKey', $sql$
SELECT version.version         AS Version,
       member.address          AS Address,
       member.port             AS Port,
       member.generation       AS Generation,
       member.silo_name        AS SiloName,
       member.host_name        AS HostName,
       member.status           AS Status,
       member.proxy_port       AS ProxyPort,
       member.suspect_times    AS SuspectTimes,
       member.start_time       AS StartTime,
       member.i_am_alive_time  AS IAmAliveTime
  FROM orleans_cluster_version AS version
  LEFT JOIN orleans_cluster_member AS member
         ON member.deployment_id = version.deployment_id
        AND member.address = @Address AND member.port = @Port AND member.generation = @Generation
 WHERE version.deployment_id = @DeploymentId
$sql$),

('MembershipReadAllKey', $sql$
SELECT version.version         AS Version,
       member.address          AS Address,
       member.port             AS Port,
       member.generation       AS Generation,
       member.silo_name        AS SiloName,
       member.host_name        AS HostName,
       member.status           AS Status,
       member.proxy_port       AS ProxyPort,
       member.suspect_times    AS SuspectTimes,
       member.start_time       AS StartTime,
       member.i_am_alive_time  AS IAmAliveTime
  FROM orleans_cluster_version AS version
  LEFT JOIN orleans_cluster_member AS member ON member.deployment_id = version.deployment_id
 WHERE version.deployment_id = @DeploymentId
$sql$),

('GatewaysQueryKey', $sql$
SELECT address    AS Address,
       proxy_port AS ProxyPort,
       generation AS Generation
  FROM orleans_cluster_member
 WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$sql$),

('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM orleans_cluster_version WHERE deployment_id = @DeploymentId
$sql$),

-- Only rows of silos that are no longer active and have been silent since the cut-off go.
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM orleans_cluster_member
 WHERE deployment_id = @DeploymentId
   AND i_am_alive_time < @IAmAliveTime
   AND status <> 3
$sql$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
