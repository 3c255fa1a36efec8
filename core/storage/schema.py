"""The database schema as an ordered list of migrations; version n is MIGRATIONS[n - 1].

A migration is SQL, or a Step: a function (core/analysis/aggregates.py) that adds a column of `sentences` and fills
it for the stored sentences by the program's own rule (one definition of each rule). The aggregate tables are built
from the measure registry, once after the migrations when any of them was a Step (AFTER_STEPS).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """A migration in Python, named by the path of its function ("package.module:function", called with the cursor
    and args): the analysis code that computes a stored rule is imported only when the migration runs."""

    function: str
    args: tuple = ()

    def run(self, cur) -> None:
        module, _, name = self.function.partition(":")
        getattr(importlib.import_module(module), name)(cur, *self.args)


AFTER_STEPS = Step("core.analysis.aggregates:rebuild")  # the aggregate tables, from the columns the Steps filled


MIGRATIONS: list[str | Step] = [
    # 1: documents, calls, participants, turns
    """
    CREATE TABLE documents (
        doc_id         VARCHAR PRIMARY KEY,      -- sha256 of content
        source_kind    VARCHAR NOT NULL,         -- fool / alphavantage / file
        source         VARCHAR NOT NULL,         -- URL or path
        content        BLOB NOT NULL,
        fetched_at     TIMESTAMP NOT NULL,
        http_status    INTEGER,
        ticker         VARCHAR,
        fiscal_year    INTEGER,
        fiscal_quarter INTEGER,
        parser_version INTEGER,
        parse_error    VARCHAR
    );
    CREATE SEQUENCE call_ids START 1;
    CREATE TABLE calls (
        call_id        INTEGER PRIMARY KEY,
        ticker         VARCHAR NOT NULL,
        fiscal_year    INTEGER NOT NULL,
        fiscal_quarter INTEGER NOT NULL,
        company        VARCHAR,
        call_date      DATE,
        call_time      VARCHAR,
        title          VARCHAR,
        source_kind    VARCHAR NOT NULL,
        source         VARCHAR NOT NULL,
        doc_id         VARCHAR NOT NULL,
        parser_version INTEGER NOT NULL,
        stored_at      TIMESTAMP NOT NULL,
        UNIQUE (ticker, fiscal_year, fiscal_quarter)
    );
    CREATE TABLE participants (
        call_id INTEGER NOT NULL,
        name    VARCHAR NOT NULL,
        role    VARCHAR,
        firm    VARCHAR,
        kind    VARCHAR NOT NULL
    );
    CREATE TABLE turns (
        call_id INTEGER NOT NULL,
        idx     INTEGER NOT NULL,
        speaker VARCHAR NOT NULL,
        role    VARCHAR,
        firm    VARCHAR,
        kind    VARCHAR NOT NULL,
        section VARCHAR NOT NULL,
        type    VARCHAR NOT NULL,
        text    VARCHAR NOT NULL,
        PRIMARY KEY (call_id, idx)
    );
    """,
    # 2: sentences and their analysis; one analysis_runs row per fully analysed call
    """
    CREATE TABLE sentences (
        call_id         INTEGER NOT NULL,
        pos             INTEGER NOT NULL,      -- position in the call, 0..n-1
        turn_idx        INTEGER NOT NULL,
        sent_idx        INTEGER NOT NULL,      -- position in the turn
        text            VARCHAR NOT NULL,
        word_count      INTEGER NOT NULL,
        sentiment_label VARCHAR,               -- negative / neutral / positive
        sentiment_score DOUBLE,                -- p(positive) - p(negative), in [-1, 1]
        sentiment_model VARCHAR,
        lm_positive     INTEGER,
        lm_negative     INTEGER,
        lm_uncertainty  INTEGER,
        lm_litigious    INTEGER,
        lm_constraining INTEGER,
        forward_looking BOOLEAN,
        topic           VARCHAR,               -- best taxonomy topic above threshold, else NULL
        PRIMARY KEY (call_id, pos)
    );
    CREATE TABLE sentence_topics (
        call_id INTEGER NOT NULL,
        pos     INTEGER NOT NULL,
        topic   VARCHAR NOT NULL,
        score   DOUBLE NOT NULL
    );
    CREATE TABLE analysis_runs (
        call_id          INTEGER PRIMARY KEY,
        analyzed_at      TIMESTAMP NOT NULL,
        sentiment_model  VARCHAR NOT NULL,
        embedding_model  VARCHAR NOT NULL,
        taxonomy_version VARCHAR NOT NULL,
        sentences        INTEGER NOT NULL
    );
    """,
    # 3: the embedding of every sentence (DuckDB keeps them for phrase trends; LanceDB indexes them for search),
    #    and one row per Q&A exchange with its non-answer verdict (core/analysis/cues.py)
    """
    CREATE TABLE sentence_vectors (
        call_id   INTEGER NOT NULL,
        pos       INTEGER NOT NULL,
        embedding FLOAT[384] NOT NULL,
        PRIMARY KEY (call_id, pos)
    );
    CREATE TABLE qa_exchanges (
        call_id           INTEGER NOT NULL,
        question_turn     INTEGER NOT NULL,
        answer_turns      INTEGER[] NOT NULL,
        similarity        DOUBLE NOT NULL,     -- cosine of mean question / mean answer sentence embeddings
        non_answer_phrase VARCHAR,
        non_answer        BOOLEAN NOT NULL,
        PRIMARY KEY (call_id, question_turn)
    );
    """,
    # 4: jobs (long work run by a worker or the command line), their log, and the watchlist the schedule checks
    """
    CREATE SEQUENCE job_ids START 1;
    CREATE TABLE jobs (
        job_id           INTEGER PRIMARY KEY,
        kind             VARCHAR NOT NULL,     -- core/work/tasks.py TASKS
        args             VARCHAR NOT NULL,     -- JSON
        origin           VARCHAR NOT NULL,     -- app / cli / schedule
        state            VARCHAR NOT NULL,     -- queued / running / succeeded / failed / cancelled / interrupted
        done             INTEGER NOT NULL DEFAULT 0,
        total            INTEGER,
        current          VARCHAR,              -- the item in hand
        result           VARCHAR,              -- JSON summary
        error            VARCHAR,
        created_at       TIMESTAMP NOT NULL,
        started_at       TIMESTAMP,
        finished_at      TIMESTAMP,
        runner           VARCHAR,              -- token of the process running it (core/work/jobs.py Runner)
        cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
        attempts         INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE job_log (
        job_id INTEGER NOT NULL,
        seq    INTEGER NOT NULL,
        logged_at TIMESTAMP NOT NULL,
        line   VARCHAR NOT NULL,
        PRIMARY KEY (job_id, seq)
    );
    CREATE TABLE watchlist (
        ticker       VARCHAR PRIMARY KEY,
        source       VARCHAR NOT NULL,
        added_at     TIMESTAMP NOT NULL,
        last_check   TIMESTAMP,
        next_check   TIMESTAMP NOT NULL,
        last_outcome VARCHAR,                  -- e.g. '2 new calls', or the error of the last check
        last_ok      BOOLEAN
    );
    CREATE TABLE app_settings (
        key   VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    );
    """,
    # 5: guidance and reported numbers read from each analysed call (core/analysis/guidance/), and the extraction
    # version
    #    each call's items come from (a new vocabulary or extractor re-reads every call, without the models)
    """
    CREATE TABLE guidance_items (
        call_id               INTEGER NOT NULL,
        item_idx              INTEGER NOT NULL,
        pos                   INTEGER NOT NULL,    -- the sentence it was read from
        kind                  VARCHAR NOT NULL,    -- guidance / actual
        metric                VARCHAR NOT NULL,    -- a key of the metric vocabulary (core/analysis/metrics.toml)
        segment               VARCHAR,             -- a business segment's revenue; NULL for the company's
        basis                 VARCHAR NOT NULL,    -- gaap / non_gaap / none
        target_fiscal_year    INTEGER NOT NULL,
        target_fiscal_quarter INTEGER,             -- NULL: the whole fiscal year
        measure               VARCHAR NOT NULL,    -- level / growth / sequential_growth
        low                   DOUBLE NOT NULL,
        high                  DOUBLE NOT NULL,
        unit                  VARCHAR NOT NULL,    -- USD (in units) / % / USD/share / count
        qualitative           BOOLEAN NOT NULL,    -- a range in words ("mid-single digits")
        confidence            DOUBLE NOT NULL,
        flags                 VARCHAR[] NOT NULL,  -- e.g. scale_slip, period_from_context
        PRIMARY KEY (call_id, item_idx)
    );
    CREATE TABLE guidance_runs (
        call_id INTEGER PRIMARY KEY,
        version VARCHAR NOT NULL
    );
    """,
    # 6: the call's clock where a document gives one (StreetEvents timing tags): each turn's time marks as
    #    [character in its text, seconds into the call], the seconds of its first mark, and of each sentence that
    #    starts at a mark
    """
    ALTER TABLE turns ADD COLUMN marks INTEGER[][];
    ALTER TABLE turns ADD COLUMN offset_s INTEGER;
    ALTER TABLE sentences ADD COLUMN offset_s INTEGER;
    """,
    # 7: each sentence's speaker group (core.analysis.sentences.speaker_group of its turn), stored at analysis time; and
    #    the per-call aggregates the all-ticker queries read
    Step("core.analysis.aggregates:add_speaker_group"),
    # 8: whether each sentence states a number (core/analysis/specificity.py), for the specificity measure
    Step("core.analysis.aggregates:add_fact", ("states_number",)),
    # 9: one name per meaning: a document's origin (a registered source's name, or 'file') and a call's format
    #    (the parser that read it: fool_current, streetevents, …)
    """
    ALTER TABLE documents RENAME COLUMN source_kind TO origin;
    ALTER TABLE calls RENAME COLUMN source_kind TO format;
    """,
]

# Tables whose rows belong to one call (deleted with it). Analysis migrations add theirs here.
CALL_CHILD_TABLES: list[str] = ["participants", "turns", "sentences", "sentence_topics", "analysis_runs",
                                  "sentence_vectors", "qa_exchanges", "guidance_items", "guidance_runs",
                                  "call_aggregates", "call_topic_aggregates"]
