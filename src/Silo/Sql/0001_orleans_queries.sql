-- The Orleans ADO.NET providers hold no SQL of their own: at start-up each reads the statements
-- it needs from this table, by key, and binds its parameters by name (@DeploymentId, @GrainId...).
-- The keys, parameter names and result column names are the providers' contract; the tables
-- behind them are this project's design. Unquoted identifiers fold to lower case, and Npgsql
-- matches result columns case-insensitively, so "AS Version" satisfies a reader asking for "Version".
CREATE TABLE IF NOT EXISTS OrleansQuery (
    QueryKey  varchar(64) PRIMARY KEY,
    QueryText text        NOT NULL
);
