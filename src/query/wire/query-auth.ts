import { DEFAULT_DBNAME, parseDbName } from '../db-name.js';
import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type SessionSpec, type SqlError } from '../engine/query-engine.js';
import type { CredentialService } from '../../auth/credentials.js';
import type { SandboxService } from '../../sandbox/sandbox-service.js';

/**
 * Who a wire connection runs as, as AEP's Query Service decides it: user = IMS org id, password = an access token or
 * a credential's client secret of that org, dbname = `<sandbox>[:all][?FLATTEN]`.
 */
export interface QueryAuth {
  /** `dbname` undefined: the client sent none (the default sandbox, `prod:all`). */
  authenticate(user: string, password: string, dbname: string | undefined): Promise<Result<SessionSpec, SqlError>>;
}

const refused = (user: string): SqlError => ({ code: SQLSTATE.invalidPassword, message: `password authentication failed for user "${user}"` });

export class CredentialQueryAuth implements QueryAuth {
  constructor(
    private readonly credentials: Pick<CredentialService, 'verifyToken' | 'verifySecret'>,
    private readonly sandboxes: Pick<SandboxService, 'resolve'>,
  ) {}

  async authenticate(user: string, password: string, dbname: string | undefined): Promise<Result<SessionSpec, SqlError>> {
    // the password first: an unauthenticated client learns nothing about sandbox names
    const who = await this.who(user, password);
    if (!who) return err(refused(user));
    const name = dbname === undefined || dbname === '' ? DEFAULT_DBNAME : dbname;
    const parsed = parseDbName(name);
    const sandbox = parsed.ok ? await this.sandboxes.resolve(user, parsed.value.sandbox) : undefined;
    if (!parsed.ok || !sandbox) return err({ code: SQLSTATE.invalidCatalogName, message: `database "${name}" does not exist` });
    return ok({ orgId: user, sandboxId: sandbox.id, sandboxName: sandbox.name, flatten: parsed.value.flatten, user: who });
  }

  /** The credential id behind the password when it is a live token or client secret of the org `user`. */
  private async who(user: string, password: string): Promise<string | undefined> {
    if (password === '' || user === '') return undefined;
    const token = await this.credentials.verifyToken(password);
    if (token) return token.orgId === user ? token.credentialId : undefined;
    return (await this.credentials.verifySecret(user, password))?.id;
  }
}
