-- Migration 019: the queue table churns: every claim and every DONE is an update of an indexed column (status), so neither is a HOT
-- update, and a claim's pick walks the dead index entries they leave until a vacuum removes them. Stock autovacuum
-- waits for 20 % of the table to be dead, which on a table holding every job ever finished is rarely; here a vacuum
-- comes after every 1,000 dead rows, without the cost delay (it only ever has a little to do).
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
