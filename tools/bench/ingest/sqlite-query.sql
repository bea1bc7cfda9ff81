-- sqlite-query.sql — the reference query over the table `cases` (all TEXT, as the sqlite3
-- shell imports it), for the sqlite3 peer of tools/bench/ingest-run. sqlite-csv.sql and
-- sqlite-ndjson.sql fill the table and read this file; @OUT@ is replaced by the runner.
--
-- An empty CSV field is imported as '', not NULL: NULLIF turns it back into NULL. Times are
-- text in one of the generator's three forms (local, +08:00, Z): the instant is the first 19
-- characters read as UTC, minus 8 hours unless it ends in Z; the sampling month is the month
-- of the local (+08:00) time, plus one after the 25th. printf('%.17g', NULL) is '0', so a
-- figure without records (a mean of no ratings) is formatted only when it is not NULL, and a
-- count of none is 0, not the NULL of sum() over no rows: months with few records (the
-- --smoke sizes) have such cells.
.bail on
.headers off
.mode tabs
.nullvalue ''
.output @OUT@
WITH c AS (
  SELECT org_code, CAST(promise_days AS INTEGER) AS promise_days, channel,
         fully_online IN ('1', 'true') AS fully_online, uses_ecert IN ('1', 'true') AS uses_ecert,
         CAST(NULLIF(rating, '') AS INTEGER) AS rating,
         unixepoch(substr(accept_time, 1, 19))
           - CASE WHEN substr(accept_time, -1) = 'Z' THEN 0 ELSE 28800 END AS a,
         unixepoch(substr(NULLIF(result_time, ''), 1, 19))
           - CASE WHEN substr(result_time, -1) = 'Z' THEN 0 ELSE 28800 END AS r
  FROM cases
), d AS (
  SELECT umap.unit AS unit, promise_days, channel, fully_online, uses_ecert, rating,
         CAST(strftime('%Y%m%d', a + 28800, 'unixepoch') AS INTEGER) AS ymd,
         (r - a) / 86400.0 AS days
  FROM c JOIN umap ON umap.key = c.org_code
), e AS (
  SELECT *, CASE WHEN ymd % 100 > 25
                 THEN CASE WHEN ymd / 100 % 100 = 12 THEN (ymd / 10000 + 1) * 100 + 1
                           ELSE ymd / 100 + 1 END
                 ELSE ymd / 100 END AS ym
  FROM d
), g AS (
  SELECT unit, ym, count(*) AS n,
         CAST(sum(channel IN ('网上', '粤省事', '粤商通')) AS REAL) / count(*) AS online,
         CAST(sum(fully_online) AS REAL) / count(*) AS full_online,
         CAST(sum(days <= promise_days) AS REAL) / NULLIF(count(days), 0) AS ontime,
         avg(days) AS mean_days,
         CAST(sum(uses_ecert) AS REAL) / count(*) AS ecert,
         avg(rating) AS rating,
         count(*) FILTER (WHERE rating <= 2) AS low_ratings
  FROM e GROUP BY unit, ym
)
SELECT unit, printf('%d-%02d', ym / 100, ym % 100), n,
       iif(online IS NULL, NULL, printf('%.17g', online)),
       iif(full_online IS NULL, NULL, printf('%.17g', full_online)),
       iif(ontime IS NULL, NULL, printf('%.17g', ontime)),
       iif(mean_days IS NULL, NULL, printf('%.17g', mean_days)),
       iif(ecert IS NULL, NULL, printf('%.17g', ecert)),
       iif(rating IS NULL, NULL, printf('%.17g', rating)),
       low_ratings
FROM g ORDER BY unit, ym;
.output stdout
