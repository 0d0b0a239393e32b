/**
 * Standard XDM field groups the Adobe Commerce Data Connection's documented schemas list (help/data-connection:
 * update-xdm.md and profile-data.md), with Adobe's `$id`s, titles and field paths (runtime notation). Written from
 * the documented field names and types; the Commerce, Demographic, Personal Contact and User Account groups live in
 * `field-groups.ts`.
 */
import { bool, int, obj, str, type JsonSchema } from './field-types.js';
import { EXPERIENCE_EVENT, PROFILE, altIdOf, type GlobalResource } from './classes.js';
import { channel, searchMeasure, siteSearch } from './commerce-types.js';

const group = ($id: string, title: string, description: string, extend: string[], properties: Record<string, JsonSchema>): GlobalResource => ({
  $id,
  'meta:altId': altIdOf($id),
  'meta:resourceType': 'mixins',
  title,
  description,
  'meta:intendedToExtend': extend,
  properties,
});

const MIXINS = 'https://ns.adobe.com/xdm/mixins/';
export const USER_LOGIN_PROCESS = `${MIXINS}experienceevent-user-login-details`;
export const REFERENCE_KEYS = `${MIXINS}experienceevent-reference-keys`;
export const SITE_SEARCH = `${MIXINS}experienceevent-site-search`;
export const VISIT_WEB_PAGE = `${MIXINS}events/visit-webpage`;
export const CHANNEL_DETAILS = 'https://ns.adobe.com/xdm/context/experienceevent-channel';

export const STANDARD_FIELD_GROUPS: GlobalResource[] = [
  // storefront signIn / signOut / createAccount / editAccount events (userAccount.login, userAccount.logout, …)
  group(USER_LOGIN_PROCESS, 'User Login Process', 'User login details such as login state, location and type, and forgot username and password counts.', [EXPERIENCE_EVENT], {
    userAccount: obj({
      login: int('Visitor login'),
      logout: int('Visitor logout'),
      loginFailure: int('Visitor login failure'),
      loginLocation: str('Login page location'),
      loginStatus: str('Login status'),
      loginType: str('User login type'),
      loginThirdParty: int('Login with third party'),
      loginThirdPartySite: str('Third party login site'),
      loginBiometric: bool('Biometric authentication'),
      loginKeychain: bool('Keychain'),
      loginMultiFactor: bool('Multi-factor authentication'),
      accountSwitch: int('Switch user accounts'),
      cookieConsentAccepted: bool('Cookie consent accepted'),
      cookieConsentViewed: int('Cookie consent viewed'),
      forgotPassword: int('Forgot password'),
      forgotUsername: int('Forgot username'),
      resetPassword: int('Reset password'),
      sessionTimeout: int('Session timeout'),
      updateProfile: int('Account profile update'),
    }, 'User account'),
  }),
  group(REFERENCE_KEYS, 'Reference Keys', 'Reference keys that relate an ExperienceEvent to records of other classes (the signed-in person).', [EXPERIENCE_EVENT], {
    person: obj({ personalEmailID: str('Personal email address'), accountID: str('Account ID'), accountType: str('Account type') }, 'Person reference properties'),
  }),
  group(SITE_SEARCH, 'Site Search', 'Site search related information such as search query, filtering and ordering.', [EXPERIENCE_EVENT], {
    siteSearch: siteSearch(),
    searchRequest: searchMeasure(),
    searchResponse: searchMeasure(),
  }),
  group(VISIT_WEB_PAGE, 'Visit Web Page', "Details of a person's visit to a web page.", [EXPERIENCE_EVENT], {
    web: obj({
      webPageDetails: obj({ webPageID: str('Web page ID'), name: str('Name'), URL: str('URL'), queryParameters: str('Query parameters'), isPersonalizedURL: bool('Is personalized URL'), pageViews: obj({ value: { type: 'number' }, id: str() }) }),
      webReferrer: obj({ URL: str('URL') }),
    }),
    environment: obj({ ipV4: str('IPv4'), browserDetails: obj({ userAgent: str('User agent') }) }),
    search: obj({ searchEngine: str('Search engine'), keywords: str('Keywords') }),
  }),
  // Adobe's Channel Details extends ExperienceEvent; the Commerce customers-connector also sends `channel` on its
  // Individual Profile records, so in Kith it extends both classes
  group(CHANNEL_DETAILS, 'Channel Details', 'Channel information such as ID, channel type, media type and location type.', [EXPERIENCE_EVENT, PROFILE], { channel: channel() }),
];
