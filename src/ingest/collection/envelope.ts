import { ok, err, type Result } from '../../shared/result.js';
import { isObj } from '../../shared/objects.js';

/** One streaming message after envelope checks, before XDM validation. */
export interface XdmMessage {
  datasetId: string;
  /** header.schemaRef.id (or the legacy xdmSchema name). */
  schemaRef: string;
  legacySchemaName?: string;
  flowId?: string;
  imsOrgId?: string;
  sourceName?: string;
  entity: Record<string, unknown>;
}

/** Per-message error texts, as DCS words them (the `inletId: [...] imsOrgId: [...]` prefix is added by the caller). */
export const MessageErrors = {
  unknownFormat: 'Message has unknown xdm format',
  wrongOrg: 'Message has an absent or wrong ims org in the header',
  missingDataset: 'Message header is missing datasetId',
  notObject: 'Message must be a JSON object with "header" and "body"',
} as const;


/**
 * Parses the DCS XDM envelope (`header`/`body.xdmMeta`/`body.xdmEntity`), current and legacy
 * (`msgType`/`xdmSchema`) forms. `header.imsOrgId` must match the inlet's org when present;
 * `schemaRef` in header and xdmMeta must agree.
 */
export function parseEnvelope(msg: unknown, inletOrgId: string): Result<XdmMessage, string> {
  if (!isObj(msg)) return err(MessageErrors.notObject);
  const header = msg.header;
  const body = msg.body;
  if (!isObj(header) || !isObj(body)) return err(MessageErrors.unknownFormat);
  const org = header.imsOrgId;
  if (org !== undefined && org !== inletOrgId) return err(MessageErrors.wrongOrg);
  const entity = body.xdmEntity;
  if (!isObj(entity)) return err(MessageErrors.unknownFormat);
  const datasetId = header.datasetId;
  if (typeof datasetId !== 'string' || datasetId === '') return err(MessageErrors.missingDataset);

  const hRef = isObj(header.schemaRef) ? header.schemaRef : undefined;
  const meta = isObj(body.xdmMeta) ? body.xdmMeta : undefined;
  const mRef = meta && isObj(meta.schemaRef) ? meta.schemaRef : undefined;
  let schemaRef: string | undefined;
  let legacySchemaName: string | undefined;
  if (hRef) {
    if (typeof hRef.id !== 'string' || typeof hRef.contentType !== 'string') return err(MessageErrors.unknownFormat);
    if (mRef && mRef.id !== hRef.id) return err(MessageErrors.unknownFormat);
    schemaRef = hRef.id;
  } else if (isObj(header.xdmSchema) && typeof header.xdmSchema.name === 'string') {
    legacySchemaName = header.xdmSchema.name;
    const metaName = meta && isObj(meta.xdmSchema) ? meta.xdmSchema.name : undefined;
    if (metaName !== undefined && metaName !== legacySchemaName) return err(MessageErrors.unknownFormat);
    schemaRef = legacySchemaName;
  } else if (mRef && typeof mRef.id === 'string') {
    schemaRef = mRef.id;
  } else return err(MessageErrors.unknownFormat);

  const source = isObj(header.source) && typeof header.source.name === 'string' ? header.source.name : undefined;
  return ok({
    datasetId,
    schemaRef,
    legacySchemaName,
    flowId: typeof header.flowId === 'string' ? header.flowId : undefined,
    imsOrgId: inletOrgId,
    sourceName: source,
    entity,
  });
}
