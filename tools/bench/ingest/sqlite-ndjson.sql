-- sqlite-ndjson.sql — the sqlite3 peer on the NDJSON file: each line is imported whole as
-- one text value (ascii mode, so quotes are data; a JSON line holds no raw newline), then
-- the fields are taken out with ->> into the table `cases` and the reference query
-- (sqlite-query.sql) runs. JSON null and an absent key both give NULL; true/false give 1/0.
-- @FILE@, @MAP@, @QUERY@ and @OUT@ are replaced by tools/bench/ingest-run.
.bail on
CREATE TABLE umap(key TEXT PRIMARY KEY, unit TEXT);
CREATE TABLE lines(j TEXT);
.import --csv --skip 1 @MAP@ umap
.mode ascii
.separator "\037" "\n"
.import @FILE@ lines
CREATE TABLE cases AS
  SELECT j ->> '$.case_id' AS case_id, j ->> '$.org_code' AS org_code,
         j ->> '$.item_code' AS item_code, j ->> '$.item_name' AS item_name,
         j ->> '$.applicant_type' AS applicant_type, j ->> '$.accept_time' AS accept_time,
         j ->> '$.result_time' AS result_time, j ->> '$.promise_days' AS promise_days,
         j ->> '$.channel' AS channel, CAST(j ->> '$.fully_online' AS TEXT) AS fully_online,
         CAST(j ->> '$.uses_ecert' AS TEXT) AS uses_ecert, j ->> '$.rating' AS rating
  FROM lines;
DROP TABLE lines;
.read @QUERY@
