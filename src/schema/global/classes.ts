import { arr, bool, dateTime, enumOf, obj, openObject, str, mapOf, type JsonSchema } from './field-types.js';

export interface GlobalResource {
  $id: string;
  'meta:altId': string;
  'meta:resourceType': 'classes' | 'mixins' | 'datatypes' | 'behaviors' | 'schemas';
  title: string;
  description: string;
  /** Own properties (flattened form). */
  properties: Record<string, JsonSchema>;
  required?: string[];
  'meta:intendedToExtend'?: string[];
  /** Behavior of a class. */
  behavior?: string;
  /** Other resources this one pulls in (e.g. a class extending auditable, identitymap). */
  'meta:extends'?: string[];
}

export const altIdOf = (id: string) => '_' + id.replace(/^https:\/\/ns\.adobe\.com\//, '').replace(/\//g, '.');

export const PROFILE = 'https://ns.adobe.com/xdm/context/profile';
export const EXPERIENCE_EVENT = 'https://ns.adobe.com/xdm/context/experienceevent';
export const RECORD = 'https://ns.adobe.com/xdm/data/record';
export const TIME_SERIES = 'https://ns.adobe.com/xdm/data/time-series';
export const ADHOC = 'https://ns.adobe.com/xdm/data/adhoc';
/** Journey Orchestration's step-event classes (journeys write their steps back as data: src/journey/step-events). */
export const JOURNEY_STEP_EVENT = 'https://ns.adobe.com/experience/journeyOrchestration/stepEvents/journeyStepEvent';
export const JOURNEY = 'https://ns.adobe.com/experience/journeyOrchestration/stepEvents/journey';

export const identityItem = (): JsonSchema =>
  obj({ id: str('Identifier'), authenticatedState: enumOf(['ambiguous', 'authenticated', 'loggedOut'], 'Authenticated state'), primary: bool('Primary') }, 'Identity');
export const identityMap = (): JsonSchema => mapOf(arr(identityItem()), 'Identity map');

/** Fields every XDM record and event gets from auditable / external source system audit. */
const auditable = (): Record<string, JsonSchema> => ({
  _repo: obj({ createDate: dateTime(), modifyDate: dateTime() }),
  extSourceSystemAudit: obj({ createdDate: dateTime(), lastUpdatedDate: dateTime(), createdBy: str(), lastUpdatedBy: str(), externalID: str(), lastActivityDate: dateTime(), lastReferencedDate: dateTime(), lastViewedDate: dateTime() }),
  createdByBatchID: str(),
  modifiedByBatchID: str(),
  repositoryCreatedBy: str(),
  repositoryLastModifiedBy: str(),
});

const behavior = (id: string, title: string): GlobalResource => ({
  $id: id,
  'meta:altId': altIdOf(id),
  'meta:resourceType': 'behaviors',
  title,
  description: `${title} behavior`,
  properties: {},
});

export const BEHAVIORS: GlobalResource[] = [behavior(RECORD, 'Record Schema'), behavior(TIME_SERIES, 'Time-series Schema'), behavior(ADHOC, 'Ad Hoc Schema')];

export const CLASSES: GlobalResource[] = [
  {
    $id: PROFILE,
    'meta:altId': '_xdm.context.profile',
    'meta:resourceType': 'classes',
    title: 'XDM Individual Profile',
    description: 'A singular representation of the attributes and interests of both identified and partially-identified individuals.',
    behavior: RECORD,
    'meta:extends': [RECORD, 'https://ns.adobe.com/xdm/common/auditable', 'https://ns.adobe.com/xdm/common/extensible'],
    properties: {
      _id: str('Identifier'),
      personID: str('Person ID'),
      ...auditable(),
      // fields older XDM profile instances still carry
      optInOut: openObject(),
      orgUnit: openObject(),
      geoUnit: openObject(),
      segments: arr(openObject()),
      identities: arr(openObject()),
      preferredLanguage: str(),
      profilePictureLink: str(),
      testProfile: bool(),
    },
  },
  {
    $id: EXPERIENCE_EVENT,
    'meta:altId': '_xdm.context.experienceevent',
    'meta:resourceType': 'classes',
    title: 'XDM ExperienceEvent',
    description: 'A time-series record of an event: an action a person took, or something that happened to them.',
    behavior: TIME_SERIES,
    'meta:extends': [TIME_SERIES, 'https://ns.adobe.com/xdm/context/identitymap', 'https://ns.adobe.com/xdm/common/auditable', 'https://ns.adobe.com/xdm/common/extensible'],
    properties: {
      _id: str('Identifier'),
      timestamp: dateTime('Timestamp'),
      eventType: str('Event Type'),
      producedBy: str('Produced by'),
      eventMergeId: str('Event merge ID'),
      identityMap: identityMap(),
      dataSource: obj({ _id: str(), code: str() }),
      channel: obj({ _id: str(), _type: str(), mediaType: str(), mediaAction: str(), location: str() }),
      endUserIDs: openObject('End user IDs'),
      profileStitch: arr(openObject()),
      segmentMemberships: arr(openObject()),
      pushNotificationTracking: openObject(),
      ...auditable(),
    },
    required: ['_id', 'timestamp'],
  },
  {
    $id: JOURNEY_STEP_EVENT,
    'meta:altId': altIdOf(JOURNEY_STEP_EVENT),
    'meta:resourceType': 'classes',
    title: 'Journey Step Event',
    description: 'A time-series record of one step of a journey instance (Journey Orchestration step events).',
    behavior: TIME_SERIES,
    'meta:extends': [TIME_SERIES],
    properties: { _id: str('Identifier'), timestamp: dateTime('Timestamp') },
    required: ['_id', 'timestamp'],
  },
  {
    $id: JOURNEY,
    'meta:altId': altIdOf(JOURNEY),
    'meta:resourceType': 'classes',
    title: 'Journey Orchestration Class',
    description: 'A record based Journey class for Journey Orchestration: one record per journey version.',
    behavior: RECORD,
    'meta:extends': [RECORD],
    properties: { _id: str('Identifier') },
  },
];

export function behaviorOfClass(c: { behavior?: string; 'meta:extends'?: string[] }): 'record' | 'time-series' | 'adhoc' {
  const b = c.behavior ?? (c['meta:extends'] ?? []).find((x) => [RECORD, TIME_SERIES, ADHOC].includes(x));
  return b === TIME_SERIES ? 'time-series' : b === ADHOC ? 'adhoc' : 'record';
}

export { openObject };
