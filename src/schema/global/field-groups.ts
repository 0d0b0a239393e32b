import { address, arr, bool, date, dateTime, email, enumOf, int, long, mapOf, measure, num, obj, openObject, phone, str, type JsonSchema } from './field-types.js';
import { EXPERIENCE_EVENT, JOURNEY, JOURNEY_STEP_EVENT, PROFILE, altIdOf, identityMap, type GlobalResource } from './classes.js';
import { billing, commerceScope, refund, requisitionList, returnItem, shipping } from './commerce-types.js';
import { STANDARD_FIELD_GROUPS } from './standard-field-groups.js';

const fg = (name: string, title: string, extend: string[], properties: Record<string, JsonSchema>, base = 'https://ns.adobe.com/xdm/context/'): GlobalResource => {
  const $id = `${base}${name}`;
  return { $id, 'meta:altId': altIdOf($id), 'meta:resourceType': 'mixins', title, description: title, 'meta:intendedToExtend': extend, properties };
};

const P = [PROFILE];
const E = [EXPERIENCE_EVENT];
/** Groups Adobe lets both classes use (the Commerce connector's event schemas list Demographic and Personal Contact Details). */
const PE = [PROFILE, EXPERIENCE_EVENT];

const productListItem = (): JsonSchema =>
  obj({
    _id: str(),
    /** Line item id (Commerce back-office events). */
    id: str('Line item ID'),
    SKU: str('SKU'),
    name: str('Name'),
    lineItemId: str(),
    priceTotal: num('Price total'),
    quantity: int('Quantity'),
    currencyCode: str('Currency code'),
    discountAmount: num(),
    productAddMethod: str(),
    productImageUrl: str(),
    product: str(),
    productID: str(),
    categories: arr(obj({ id: str(), name: str(), path: str() })),
    selectedOptions: arr(obj({ attribute: str(), value: str() })),
    returnItem: returnItem(),
  });

const order = (): JsonSchema =>
  obj({
    purchaseID: str('Purchase ID'),
    purchaseOrderNumber: str(),
    priceTotal: num('Price total'),
    currencyCode: str('Currency code'),
    taxAmount: num(),
    discountAmount: num(),
    orderType: str(),
    createdDate: dateTime(),
    lastUpdatedDate: dateTime(),
    cancelDate: dateTime(),
    payments: arr(obj({ paymentTransactionID: str(), paymentAmount: num(), paymentType: str(), currencyCode: str() })),
    returns: arr(obj({ returnID: str(), returnStatus: str() })),
  });

const webDetails = (): JsonSchema =>
  obj({
    webPageDetails: obj({ URL: str(), name: str(), server: str(), siteSection: str(), viewName: str(), isHomePage: bool(), isErrorPage: bool(), pageViews: measure() }),
    webReferrer: obj({ URL: str(), type: str(), domain: str() }),
    webInteraction: obj({ URL: str(), name: str(), type: str(), region: str(), linkClicks: measure() }),
    webPageView: openObject(),
  });

const environment = (): JsonSchema =>
  obj({
    type: str(),
    browserDetails: openObject('Browser details'),
    operatingSystem: str(),
    operatingSystemVersion: str(),
    operatingSystemVendor: str(),
    connectionType: str(),
    ipV4: str(),
    ipV6: str(),
    language: str(),
    carrier: str(),
    viewportHeight: int(),
    viewportWidth: int(),
  });

const device = (): JsonSchema =>
  obj({ type: str(), manufacturer: str(), model: str(), modelNumber: str(), screenHeight: int(), screenWidth: int(), screenOrientation: str(), colorDepth: int(), typeID: str(), typeIDService: str() });

const placeContext = (): JsonSchema => obj({ localTime: dateTime(), localTimezoneOffset: int(), geo: openObject('Geo'), POIinteraction: openObject(), activePOIs: arr(openObject()) });

const JO = 'https://ns.adobe.com/experience/journeyOrchestration/stepEvents/';
/** Journey Orchestration fields all live under `_experience.journeyOrchestration.stepEvents`. */
const stepEvents = (fields: Record<string, JsonSchema>, title: string): Record<string, JsonSchema> => ({
  _experience: obj({ journeyOrchestration: obj({ stepEvents: obj(fields, title) }) }),
});
const STEP_STATUSES = ['ended', 'error', 'transitions', 'capped', 'timedout', 'instanceTimedout'];
const ACTION_ERRORS = ['http', 'capping', 'timeout', 'error'];

const consentValue = () => obj({ val: enumOf(['y', 'n', 'p', 'u', 'dy', 'dn', 'LI', 'CT', 'VI']) });

export const FIELD_GROUPS: GlobalResource[] = [
  fg('identitymap', 'IdentityMap', [PROFILE, EXPERIENCE_EVENT], { identityMap: identityMap() }),
  fg('profile-person-details', 'Demographic Details', PE, {
    person: obj({
      name: obj({ firstName: str('First name'), middleName: str(), lastName: str('Last name'), fullName: str(), courtesyTitle: str(), suffix: str() }),
      birthDate: date('Birth date'),
      birthDayAndMonth: str(),
      birthYear: int(),
      gender: enumOf(['male', 'female', 'not_specified', 'non_specific']),
      maritalStatus: str(),
      nationality: str(),
      taxId: str(),
      sortName: str(),
    }),
  }),
  fg('profile-personal-details', 'Personal Contact Details', PE, {
    personalEmail: email(),
    mobilePhone: phone(),
    homePhone: phone(),
    faxPhone: phone(),
    homeAddress: address(),
  }),
  fg('profile-work-details', 'Work Contact Details', P, { workEmail: email(), workPhone: phone(), workAddress: address(), organizations: arr(openObject()) }),
  fg('profile-loyalty-details', 'Loyalty Details', P, {
    loyalty: obj({
      loyaltyID: arr(str()),
      program: str(),
      tier: str(),
      status: str(),
      points: num(),
      pointsRedeemed: num(),
      pointsExpired: num(),
      lifetimePoints: num(),
      joinDate: dateTime(),
      upgradeDate: dateTime(),
      expiryDate: dateTime(),
      lastActivityDate: dateTime(),
      promisedPoints: num(),
      pointsExpirationDate: dateTime(),
    }),
  }),
  fg('profile-user-account-details', 'User Account Details', P, {
    userAccount: obj({
      ID: str('ID'),
      startDate: dateTime('Start date'),
      status: enumOf(['active', 'inactive', 'disabled', 'other'], 'Status'),
      accountStatus: str(),
      accountType: str('Account type'),
      accountName: str(),
      contactDetails: openObject('Contact details'),
      productPreferences: arr(str()),
      alertStatus: bool('Alert status'),
      autopayStatus: bool('Autopay status'),
    }),
    billingAddress: address(),
    shippingAddress: address(),
    billingAddressPhone: phone(),
    shippingAddressPhone: phone(),
  }),
  fg('profile-segmentation', 'Segment Membership Details', P, {
    segmentMembership: mapOf(
      mapOf(
        obj({
          status: enumOf(['existing', 'realized', 'exited']),
          lastQualificationTime: dateTime(),
          validUntil: dateTime(),
          version: str(),
          payload: openObject(),
          segmentID: openObject(),
        }),
      ),
      'Segment membership',
    ),
  }),
  fg('profile-consents', 'Consents and Preferences', P, {
    consents: obj({
      collect: consentValue(),
      share: consentValue(),
      adID: consentValue(),
      personalize: obj({ content: consentValue() }),
      marketing: obj({ preferred: str(), any: consentValue(), email: openObject(), push: openObject(), sms: openObject(), call: openObject(), postalMail: openObject(), commercialEmail: openObject() }),
      idSpecific: openObject(),
      metadata: obj({ time: dateTime() }),
    }),
  }),
  fg('experienceevent-commerce', 'Commerce Details', E, {
    commerce: obj({
      order: order(),
      purchases: measure(),
      productViews: measure(),
      productListAdds: measure(),
      productListRemovals: measure(),
      productListOpens: measure(),
      productListViews: measure(),
      productListReopens: measure(),
      checkouts: measure(),
      saveForLaters: measure(),
      inStorePurchase: measure(),
      cart: obj({ cartID: str(), cartSource: str(), cartAbandons: measure() }),
      shipping: shipping(),
      billing: billing(),
      refunds: arr(refund()),
      promotionID: str(),
      commerceScope: commerceScope(),
      requisitionList: requisitionList(),
      requisitionListOpens: measure(),
      requisitionListAdds: measure(),
      requisitionListRemovals: measure(),
      requisitionListDeletes: measure(),
    }),
    productListItems: arr(productListItem(), 'Product list items'),
  }),
  // Journey Orchestration step events: the common and action fields extend both the Journey Step Event class and
  // ExperienceEvent (the profile-event schema); identity fields only the step-event class (it has no identityMap)
  fg('journeyStepEventCommonFields', 'Journey Orchestration Step Event Common Fields', [JOURNEY_STEP_EVENT, EXPERIENCE_EVENT], stepEvents({
    entrance: bool('entrance'),
    reentrance: bool('reentrance'),
    instanceEnded: bool('instanceEnded'),
    eventID: str('eventID'),
    eventName: str('eventName'),
    isExternalEvent: bool('isExternalEvent'),
    origTimestamp: dateTime('origTimestamp'),
    nodeID: str('nodeID'),
    nodeName: str('nodeName'),
    nodeType: str('nodeType'),
    stepID: str('stepID'),
    stepName: str('stepName'),
    stepType: str('stepType'),
    stepStatus: enumOf(STEP_STATUSES, 'stepStatus'),
    journeyID: str('journeyID'),
    journeyVersionID: str('journeyVersionID'),
    journeyVersionName: str('journeyVersionName'),
    journeyVersion: str('journeyVersion'),
    instanceID: str('instanceID'),
    externalKey: str('externalKey'),
    parentNodeID: str('parentNodeID'),
    parentNodeType: str('parentNodeType'),
    parentNodeName: str('parentNodeName'),
    inTest: bool('inTest'),
    processingTime: long('processingTime'),
    instanceType: enumOf(['batch', 'unitary'], 'instanceType'),
    exitCriteriaID: str('exitCriteriaID'),
    exitCriteriaName: str('exitCriteriaName'),
    segmentQualificationStatus: enumOf(['existing', 'realized', 'exited'], 'segmentQualificationStatus'),
  }, 'Journey Orchestration for creating user journey'), JO),
  fg('journeyStepEventActionExecutionFields', 'Journey Orchestration Step Event Action Execution Fields', [JOURNEY_STEP_EVENT, EXPERIENCE_EVENT], stepEvents({
    actionID: str('actionID'),
    actionName: str('actionName'),
    actionType: str('actionType'),
    actionExecutionTime: long('actionExecutionTime'),
    actionExecutionError: enumOf(ACTION_ERRORS, 'actionExecutionError'),
    actionExecutionErrorCode: str('actionExecutionErrorCode'),
    actionExecutionOriginError: enumOf(ACTION_ERRORS, 'actionExecutionOriginError'),
    actionExecutionOriginCode: str('actionExecutionOriginCode'),
    actionErrorContext: str('actionErrorContext'),
  }, 'Journey Orchestration Action Execution Fields'), JO),
  fg('journeyStepEventIdentityFields', 'Journey Orchestration Step Event Identity Fields', [JOURNEY_STEP_EVENT], stepEvents({
    profileID: str('profileID'),
    profileNamespace: str('profileNamespace'),
  }, 'Journey Orchestration Identity Fields'), JO),
  fg('journeyFields', 'Journey Orchestration common Journey Fields', [JOURNEY], stepEvents({
    journeyID: str('journeyID'),
    journeyVersionID: str('journeyVersionID'),
    name: str('name'),
    description: str('description'),
    version: str('version'),
  }, 'Journey Orchestration common Journey Fields'), JO),
  fg('experienceevent-web', 'Web Details', E, { web: webDetails() }),
  fg('experienceevent-environment-details', 'Environment Details', E, { environment: environment(), device: device(), placeContext: placeContext() }),
  fg('experienceevent-marketing', 'Marketing Details', E, { marketing: obj({ trackingCode: str(), campaignGroup: str(), campaignName: str() }), advertising: openObject() }),
  fg('experienceevent-media', 'Media Details', E, { media: openObject(), locationContext: openObject() }),
  fg('experienceevent-personal-details', 'Personal Contact Details (event)', E, { personalEmail: email(), person: openObject() }),
  // Source-specific attributes with no standard XDM home (sources put them under `_kith.<source>`).
  fg('source-extras', 'Kith Source Extras', [PROFILE, EXPERIENCE_EVENT], { _kith: openObject('Source extras') }, 'https://ns.adobe.com/kith/'),
  {
    ...fg('aep-web-sdk-experienceevent', 'AEP Web SDK ExperienceEvent', E, {
      web: webDetails(),
      device: device(),
      environment: environment(),
      placeContext: placeContext(),
      implementationDetails: obj({ name: str(), version: str(), environment: str() }),
      marketing: openObject(),
      application: openObject(),
      _experience: openObject(),
      userActivityRegion: openObject(),
    }, 'https://ns.adobe.com/experience/'),
  },
  ...STANDARD_FIELD_GROUPS,
];
