import { openSqlite } from '../../store/sqlite/open.js';
import { SqliteProfileStore } from '../sqlite-profile-store.js';

/** Tests and benches: a profile store on `<dataDir>/profile.db` (`:memory:` for a throwaway one). */
export const sqliteProfileStoreAt = (dataDir: string): SqliteProfileStore => new SqliteProfileStore(openSqlite(dataDir, 'profile'));
