import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The project's custom search attributes: registered on the server by `gamelake dev`/`worker`, set by
 * workflows, filterable in the Web UI and with `temporal workflow list --query`.
 *
 * SQL visibility (the dev server's SQLite) allows at most 3 custom Int attributes and 10 Keyword ones
 * per namespace, which is why accepted rows are not an attribute of their own (accepted = in - quarantined - duplicates).
 */
export const GAMELAKE_JOB = defineSearchAttributeKey('GamelakeJob', SearchAttributeType.KEYWORD);
export const GAMELAKE_BATCH_ID = defineSearchAttributeKey('GamelakeBatchId', SearchAttributeType.KEYWORD);
export const GAMELAKE_GAMES = defineSearchAttributeKey('GamelakeGames', SearchAttributeType.KEYWORD_LIST);
export const GAMELAKE_OUTCOME = defineSearchAttributeKey('GamelakeOutcome', SearchAttributeType.KEYWORD);
export const GAMELAKE_LINES_IN = defineSearchAttributeKey('GamelakeLinesIn', SearchAttributeType.INT);
export const GAMELAKE_QUARANTINED = defineSearchAttributeKey('GamelakeQuarantined', SearchAttributeType.INT);
export const GAMELAKE_DUPLICATES = defineSearchAttributeKey('GamelakeDuplicates', SearchAttributeType.INT);

export const SEARCH_ATTRIBUTES = [GAMELAKE_JOB, GAMELAKE_BATCH_ID, GAMELAKE_GAMES, GAMELAKE_OUTCOME, GAMELAKE_LINES_IN, GAMELAKE_QUARANTINED, GAMELAKE_DUPLICATES] as const;
