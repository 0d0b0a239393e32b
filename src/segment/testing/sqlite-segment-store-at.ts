import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteSegmentStore } from '../sqlite-segment-store.js';

/** Tests and benches: a segment store on `<dataDir>/segment.db` (`:memory:` for a throwaway one). */
export const sqliteSegmentStoreAt = (dataDir: string): SqliteSegmentStore => new SqliteSegmentStore(openSqlite(dataDir, 'segment'));
