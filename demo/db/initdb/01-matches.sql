-- The `matches` table of the demo stack, shaped like FootballPrediction's.
--
-- Run once by the postgres image from /docker-entrypoint-initdb.d, in POSTGRES_DB
-- (football_prediction), when the data volume is first created. Plain SQL only (no psql
-- meta-commands), so the tests can run the same file through psycopg2.
--
-- Like the real table: `fotmob_id` is indexed but NOT unique (the backfill looks a match up
-- and then UPDATEs or INSERTs, it never relies on a constraint), and `created_at` has no
-- server-side default (the application sets it in Python; raw-SQL inserts leave it NULL).

CREATE TABLE IF NOT EXISTS matches (
    id              serial PRIMARY KEY,
    fotmob_id       varchar(50),
    home_team       varchar(100),
    away_team       varchar(100),
    league          varchar(100),
    status          varchar(20),
    match_time      timestamptz,
    home_score      integer,
    away_score      integer,
    home_xg         numeric(5, 2),
    away_xg         numeric(5, 2),
    stats           jsonb,
    lineups         jsonb,
    data_source     varchar(50),
    collection_time timestamptz,
    created_at      timestamptz,
    updated_at      timestamptz
);

CREATE INDEX IF NOT EXISTS ix_matches_fotmob_id ON matches (fotmob_id);
