-- Issue 18: ANA-1's booking days, one row per booking and day (the day it was created, and
-- "changed/" and the day it last changed). The log's consumer writes only the bookings of its
-- batch; a day kept as one grain state was rewritten whole by every batch, megabytes on a busy day.
-- A row keeps the event with the highest sequence, so a redelivered batch changes nothing.
CREATE TABLE IF NOT EXISTS caas_booking_day (
    service_id     text   NOT NULL,
    day_key        text   NOT NULL,
    reservation_id text   NOT NULL,
    sequence       bigint NOT NULL,
    booking        json   NOT NULL,
    PRIMARY KEY (service_id, day_key, reservation_id)
);
