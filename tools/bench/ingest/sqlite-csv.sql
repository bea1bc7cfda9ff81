-- sqlite-csv.sql — the sqlite3 peer on the CSV file: .import into an in-memory table, then
-- the reference query (sqlite-query.sql). @FILE@, @MAP@, @QUERY@ and @OUT@ are replaced by
-- tools/bench/ingest-run.
.bail on
CREATE TABLE umap(key TEXT PRIMARY KEY, unit TEXT);
CREATE TABLE cases(case_id TEXT, org_code TEXT, item_code TEXT, item_name TEXT,
                   applicant_type TEXT, accept_time TEXT, result_time TEXT, promise_days TEXT,
                   channel TEXT, fully_online TEXT, uses_ecert TEXT, rating TEXT);
.import --csv --skip 1 @MAP@ umap
.import --csv --skip 1 @FILE@ cases
.read @QUERY@
