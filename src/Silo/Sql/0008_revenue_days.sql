-- Issue 18: ADM-4's revenue days, one row per money movement under the day it happened. The log's
-- consumer writes only the movements of its batch; a day kept as one grain state was rewritten whole
-- by every batch. A movement is kept once by its id, however often the log delivers it.
CREATE TABLE IF NOT EXISTS caas_revenue_day (
    service_id  text NOT NULL,
    day_key     text NOT NULL,
    movement_id text NOT NULL,
    movement    json NOT NULL,
    PRIMARY KEY (service_id, day_key, movement_id)
);
