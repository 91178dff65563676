/**
 * @module
 * The request log summed per minute (ADR 0073), which the admin side's series read
 * (`server/admin/monitoring-series.ts`) instead of the log's rows: per minute, route and
 * model, the requests, the successful ones, the errors, tokens, cost and feedback
 * (`routing_minutes`), and the successful requests' latencies counted in bins eight to a
 * doubling (`routing_latency_minutes`), from which a bucket's percentiles are read to within
 * 4.5 %. A series then costs its minutes, not its requests: reading the rows of an hour at
 * 55 requests/s held the event loop for about 0.4 s per dashboard refresh
 * (`bench/admin-series.ts`).
 *
 * Triggers keep the sums, so every writer (the log's writer thread, the main thread, the
 * PostgreSQL bridge's background connection, `modelscout requests`) keeps them in the
 * transaction that writes the rows: on SQLite a row trigger, on PostgreSQL a statement
 * trigger over the statement's rows (one upsert per minute, route and model, however many
 * rows a statement inserts), which locks its minutes in key order, so two servers' writes
 * cannot deadlock on them. Feedback is summed under the minute it arrived in, with its
 * request's route and model. Rows written again (`ON CONFLICT DO NOTHING`) fire nothing.
 * Retention prunes the minutes past it with the rows (`request-log-retention.ts`).
 */

/** Latency bins per doubling: a bin's middle is within 2^(1/16) - 1 = 4.4 % of its values. */
export const LATENCY_BINS_PER_DOUBLING = 8;
/** The lowest bin's lower edge, in milliseconds (anything faster counts in bin 0). */
export const LATENCY_BIN_BASE_MS = 0.01;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The bin `latencyMs` counts in, as the triggers compute it. */
export function latencyBin(latencyMs: number): number {
  return Math.floor(
    (Math.log(Math.max(latencyMs, LATENCY_BIN_BASE_MS) / LATENCY_BIN_BASE_MS) *
      LATENCY_BINS_PER_DOUBLING) /
      Math.LN2,
  );
}

/** The value a bin stands for: its geometric middle. */
export function latencyOfBin(bin: number): number {
  return LATENCY_BIN_BASE_MS * 2 ** ((bin + 0.5) / LATENCY_BINS_PER_DOUBLING);
}

/**
 * The value below which `fraction` of the counted latencies fall (nearest rank, as
 * `percentile` over the values), read from bin counts: the middle of the bin holding that
 * rank. Null when nothing is counted.
 */
export function binnedPercentile(
  bins: ReadonlyMap<number, number>,
  fraction: number,
): number | null {
  let total = 0;
  for (const count of bins.values()) total += count;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin) as number;
    if (seen >= rank) return latencyOfBin(bin);
  }
  return null;
}

const SQLITE_MINUTE = (column: string) =>
  `CAST(strftime('%s', ${column}) AS INTEGER) / 60 * ${MINUTE_MS}`;
const SQLITE_BIN = (column: string) =>
  `CAST(floor(ln(max(${column}, ${LATENCY_BIN_BASE_MS}) / ${LATENCY_BIN_BASE_MS}) * ${LATENCY_BINS_PER_DOUBLING} / ln(2)) AS INTEGER)`;
const SQLITE_HOUR = (column: string) =>
  `CAST(strftime('%s', ${column}) AS INTEGER) / 3600 * ${HOUR_MS}`;
const POSTGRES_HOUR = (column: string) =>
  `floor(extract(epoch FROM ${column}::timestamptz) / 3600)::bigint * ${HOUR_MS}`;
const POSTGRES_MINUTE = (column: string) =>
  `floor(extract(epoch FROM ${column}::timestamptz) / 60)::bigint * ${MINUTE_MS}`;
const POSTGRES_BIN = (column: string) =>
  `floor(ln(greatest(${column}, ${LATENCY_BIN_BASE_MS}) / ${LATENCY_BIN_BASE_MS}) * ${LATENCY_BINS_PER_DOUBLING} / ln(2))::bigint`;

const MINUTE_COLUMNS =
  "minute, route, model, requests, ok, errors, tokens, cost_usd, feedback, rewards, reward_sum";
/** With migration 7: what the requests' classification steps' model calls cost (ADR 0091). */
const CLASSIFICATION_COLUMNS = "classification_tokens, classification_cost_usd";
/** A cost adds to the sum; a request without one leaves it (null while none had one). */
const addCost = (table: string, column: string) =>
  `${column} = CASE WHEN excluded.${column} IS NULL THEN ${table}.${column}
        ELSE COALESCE(${table}.${column}, 0) + excluded.${column} END`;
const ADD_REQUESTS = (table: string) => `requests = ${table}.requests + excluded.requests,
      ok = ${table}.ok + excluded.ok,
      errors = ${table}.errors + excluded.errors,
      tokens = ${table}.tokens + excluded.tokens,
      ${addCost(table, "cost_usd")}`;
const ADD_CLASSIFICATION = (table: string) => `,
      classification_tokens = ${table}.classification_tokens + excluded.classification_tokens,
      ${addCost(table, "classification_cost_usd")}`;
const ADD_FEEDBACK = (table: string) => `feedback = ${table}.feedback + excluded.feedback,
      rewards = ${table}.rewards + excluded.rewards,
      reward_sum = ${table}.reward_sum + excluded.reward_sum`;

/**
 * SQLite: the request rows' trigger; with `hours`, it counts the latency bins per hour too
 * (migration 5), for windows of many hours; with `classification`, it sums the rows'
 * classification columns too (migration 7). Each migration keeps the trigger of its own time:
 * an older one must not name columns a later one adds.
 */
const sqliteRequestTrigger = (hours: boolean, classification = false) => `
  CREATE TRIGGER routing_requests_minutes AFTER INSERT ON routing_requests
  WHEN NEW.route IS NOT NULL AND NEW.model IS NOT NULL
  BEGIN
    INSERT INTO routing_minutes (${MINUTE_COLUMNS}${classification ? `, ${CLASSIFICATION_COLUMNS}` : ""})
    VALUES (${SQLITE_MINUTE("NEW.created_at")}, NEW.route, NEW.model, 1, NEW.status = 200,
      NEW.status >= 400, COALESCE(NEW.prompt_tokens, 0) + COALESCE(NEW.completion_tokens, 0),
      NEW.cost_usd, 0, 0, 0${classification ? ", COALESCE(NEW.classification_tokens, 0), NEW.classification_cost_usd" : ""})
    ON CONFLICT (minute, route, model) DO UPDATE SET ${ADD_REQUESTS("routing_minutes")}${classification ? ADD_CLASSIFICATION("routing_minutes") : ""};
    INSERT INTO routing_latency_minutes (minute, route, model, bin, count)
    SELECT ${SQLITE_MINUTE("NEW.created_at")}, NEW.route, NEW.model, ${SQLITE_BIN("NEW.latency_ms")}, 1
    WHERE NEW.status = 200
    ON CONFLICT (minute, route, model, bin) DO UPDATE SET count = routing_latency_minutes.count + 1;${
      hours
        ? `
    INSERT INTO routing_latency_hours (hour, route, model, bin, count)
    SELECT ${SQLITE_HOUR("NEW.created_at")}, NEW.route, NEW.model, ${SQLITE_BIN("NEW.latency_ms")}, 1
    WHERE NEW.status = 200
    ON CONFLICT (hour, route, model, bin) DO UPDATE SET count = routing_latency_hours.count + 1;`
        : ""
    }
  END;`;

/** SQLite: the row triggers, and the sums of the rows already logged (migration 4). */
export const SQLITE_MINUTES_SQL = `${sqliteRequestTrigger(false)}
  CREATE TRIGGER routing_feedback_minutes AFTER INSERT ON routing_feedback
  BEGIN
    INSERT INTO routing_minutes (${MINUTE_COLUMNS})
    SELECT ${SQLITE_MINUTE("NEW.created_at")}, r.route, r.model, 0, 0, 0, 0, NULL, 1,
      NEW.reward IS NOT NULL, COALESCE(NEW.reward, 0)
    FROM routing_requests r
    WHERE r.id = NEW.request_id AND r.route IS NOT NULL AND r.model IS NOT NULL
    ON CONFLICT (minute, route, model) DO UPDATE SET ${ADD_FEEDBACK("routing_minutes")};
  END;
  INSERT INTO routing_minutes (${MINUTE_COLUMNS})
  SELECT ${SQLITE_MINUTE("created_at")}, route, model, COUNT(*), SUM(status = 200),
    SUM(status >= 400), COALESCE(SUM(prompt_tokens), 0) + COALESCE(SUM(completion_tokens), 0),
    SUM(cost_usd), 0, 0, 0
  FROM routing_requests WHERE route IS NOT NULL AND model IS NOT NULL
  GROUP BY 1, 2, 3;
  INSERT INTO routing_minutes (${MINUTE_COLUMNS})
  SELECT ${SQLITE_MINUTE("f.created_at")}, r.route, r.model, 0, 0, 0, 0, NULL, COUNT(*),
    COUNT(f.reward), COALESCE(SUM(f.reward), 0)
  FROM routing_feedback f JOIN routing_requests r ON r.id = f.request_id
  WHERE r.route IS NOT NULL AND r.model IS NOT NULL
  GROUP BY 1, 2, 3
  ON CONFLICT (minute, route, model) DO UPDATE SET ${ADD_FEEDBACK("routing_minutes")};
  INSERT INTO routing_latency_minutes (minute, route, model, bin, count)
  SELECT ${SQLITE_MINUTE("created_at")}, route, model, ${SQLITE_BIN("latency_ms")}, COUNT(*)
  FROM routing_requests WHERE status = 200 AND route IS NOT NULL AND model IS NOT NULL
  GROUP BY 1, 2, 3, 4;
`;

/**
 * PostgreSQL: `rows` (the statement's new rows, or the whole log for the migration) summed,
 * in key order, into the minutes.
 */
const postgresRequestSums = (rows: string, classification = false) => `
    INSERT INTO routing_minutes AS m (${MINUTE_COLUMNS}${classification ? `, ${CLASSIFICATION_COLUMNS}` : ""})
    SELECT ${POSTGRES_MINUTE("created_at")}, route, model, count(*),
      count(*) FILTER (WHERE status = 200), count(*) FILTER (WHERE status >= 400),
      COALESCE(sum(prompt_tokens), 0) + COALESCE(sum(completion_tokens), 0), sum(cost_usd), 0, 0, 0${
        classification
          ? ",\n      COALESCE(sum(classification_tokens), 0), sum(classification_cost_usd)"
          : ""
      }
    FROM ${rows} WHERE route IS NOT NULL AND model IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (minute, route, model) DO UPDATE SET ${ADD_REQUESTS("m")}${classification ? ADD_CLASSIFICATION("m") : ""};
    INSERT INTO routing_latency_minutes AS b (minute, route, model, bin, count)
    SELECT ${POSTGRES_MINUTE("created_at")}, route, model, ${POSTGRES_BIN("latency_ms")}, count(*)
    FROM ${rows} WHERE status = 200 AND route IS NOT NULL AND model IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (minute, route, model, bin) DO UPDATE SET count = b.count + excluded.count;`;
const postgresHourBins = (rows: string) => `
    INSERT INTO routing_latency_hours AS h (hour, route, model, bin, count)
    SELECT ${POSTGRES_HOUR("created_at")}, route, model, ${POSTGRES_BIN("latency_ms")}, count(*)
    FROM ${rows} WHERE status = 200 AND route IS NOT NULL AND model IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (hour, route, model, bin) DO UPDATE SET count = h.count + excluded.count;`;
const postgresFeedbackSums = (rows: string) => `
    INSERT INTO routing_minutes AS m (${MINUTE_COLUMNS})
    SELECT ${POSTGRES_MINUTE("f.created_at")}, r.route, r.model, 0, 0, 0, 0, NULL, count(*),
      count(f.reward), COALESCE(sum(f.reward), 0)
    FROM ${rows} f JOIN routing_requests r ON r.id = f.request_id
    WHERE r.route IS NOT NULL AND r.model IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (minute, route, model) DO UPDATE SET ${ADD_FEEDBACK("m")};`;

/** PostgreSQL: the function of a trigger, running `body` once per statement. */
const postgresTriggerFunction = (name: string, body: string, replace = false) => `
  CREATE ${replace ? "OR REPLACE " : ""}FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $body$
  BEGIN${body}
    RETURN NULL;
  END $body$;`;

/** PostgreSQL: a trigger running `body` once per statement that inserts into `table`. */
const postgresStatementTrigger = (name: string, table: string, body: string) =>
  `${postgresTriggerFunction(name, body)}
  CREATE TRIGGER ${name} AFTER INSERT ON ${table}
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${name}();`;

/** PostgreSQL: the statement triggers, and the sums of the rows already logged (a migration). */
export const POSTGRES_MINUTES_SQL = `
  ${postgresStatementTrigger("routing_requests_minutes", "routing_requests", postgresRequestSums("inserted"))}
  ${postgresStatementTrigger("routing_feedback_minutes", "routing_feedback", postgresFeedbackSums("inserted"))}
  ${postgresRequestSums("routing_requests")}
  ${postgresFeedbackSums("routing_feedback")}
`;

/** The latency bins of a minute, summed per hour. */
const HOUR_BINS_OF_MINUTES = `INSERT INTO routing_latency_hours (hour, route, model, bin, count)
  SELECT minute / ${HOUR_MS} * ${HOUR_MS}, route, model, bin, SUM(count)
  FROM routing_latency_minutes GROUP BY 1, 2, 3, 4`;

/** SQLite: the request rows' trigger counting hours too, and the hours of the minutes (migration 5). */
export const SQLITE_HOURS_SQL = `
  DROP TRIGGER routing_requests_minutes;
  ${sqliteRequestTrigger(true)}
  ${HOUR_BINS_OF_MINUTES};
`;

/** PostgreSQL: the request rows' trigger function counting hours too, and the hours of the minutes. */
export const POSTGRES_HOURS_SQL = `
  ${postgresTriggerFunction("routing_requests_minutes", postgresRequestSums("inserted") + postgresHourBins("inserted"), true)}
  ${HOUR_BINS_OF_MINUTES};
`;

/**
 * SQLite: the request rows' trigger summing the classification columns too (migration 7, ADR
 * 0091, after its columns). Rows logged before it have none: their minutes keep zero tokens
 * and no cost.
 */
export const SQLITE_CLASSIFICATION_MINUTES_SQL = `
  DROP TRIGGER routing_requests_minutes;
  ${sqliteRequestTrigger(true, true)}
`;

/** PostgreSQL: the request rows' trigger function summing the classification columns too. */
export const POSTGRES_CLASSIFICATION_MINUTES_SQL = `
  ${postgresTriggerFunction("routing_requests_minutes", postgresRequestSums("inserted", true) + postgresHourBins("inserted"), true)}
`;

/** The minutes a prune removes: those before the cutoff's (the shared dialect; `?` is epoch ms). */
export const DELETE_MINUTES_SQL = "DELETE FROM routing_minutes WHERE minute < ?";
export const DELETE_LATENCY_MINUTES_SQL = "DELETE FROM routing_latency_minutes WHERE minute < ?";
/** The hours a prune removes: those before the cutoff's (`?` is epoch ms). */
export const DELETE_LATENCY_HOURS_SQL = "DELETE FROM routing_latency_hours WHERE hour < ?";
