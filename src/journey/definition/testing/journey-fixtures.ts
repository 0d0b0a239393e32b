import type { JourneyDefinition } from '../../journey-types.js';

/** A valid journey with every node type, action kind, exit criteria and re-entrance. */
export function fullDefinition(): JourneyDefinition {
  return {
    name: 'Welcome',
    description: 'Greets new sign-ups',
    entry: { type: 'event', eventType: 'web.signup', condition: 'event.web.page.name = "signup"', namespace: 'Email', next: 'check' },
    nodes: [
      { id: 'check', type: 'condition', branches: [{ name: 'vip', condition: 'computedAttributes.ltv > 100 and event.commerce.order.priceTotal > 10', next: 'mail' }], otherwise: 'pause' },
      { id: 'pause', type: 'wait', seconds: 3600, next: 'hook' },
      { id: 'hook', type: 'action', action: { kind: 'http', method: 'POST', url: 'https://crm.example.com/people/{{profile.person.id}}?src={{event._id}}', headers: { 'X-Src': 'kith' }, auth: { type: 'bearer', token: 't' }, body: '{"id":"{{profile.person.id}}"}', timeoutMs: 2000, retries: 1, backoffMs: 100, ratePerSecond: 5 }, next: 'click', errorNext: 'done' },
      { id: 'click', type: 'waitForEvent', eventType: 'email.click', condition: 'event.x = 1', timeoutSeconds: 86400, next: 'mark', timeoutNext: 'later' },
      { id: 'later', type: 'wait', until: '2026-03-01T09:00:00Z', next: 'other' },
      { id: 'other', type: 'jump', journeyId: 'j-2' },
      { id: 'mail', type: 'action', action: { kind: 'email', from: 'Shop <shop@example.com>', subject: 'Hi {{profile.person.name.firstName}}', text: 'Hello' }, next: 'mark' },
      { id: 'mark', type: 'action', action: { kind: 'updateProfile', set: { '_tenant.journey.welcomed': true, 'person.nickname': '{{event.name}}' } }, next: 'done' },
      { id: 'done', type: 'end' },
    ],
    exitCriteria: [
      { id: 'unsub', type: 'event', eventType: 'email.unsubscribe', condition: 'event.reason = "spam"' },
      { id: 'left', name: 'Left VIP', type: 'audienceExit', segmentId: 'seg-1' },
    ],
    reentrance: { mode: 'afterWait', waitSeconds: 86400 },
    instanceTimeoutSeconds: 86400 * 30,
  };
}
