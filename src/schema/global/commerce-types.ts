/**
 * XDM data types the Commerce field groups share (runtime notation), written from Adobe's documentation of the
 * fields the Commerce Data Connection extension sends (help/data-connection: events, back-office events, profile
 * records) and of the XDM data types they live in (channel, shipping, site search).
 */
import { address, arr, enumOf, int, measure, num, obj, str, type JsonSchema } from './field-types.js';

/** Experience channel (`https://ns.adobe.com/xdm/channels/channel`): `_id` and `_type` are namespaced URIs. */
export const channel = (): JsonSchema =>
  obj({ _id: str('Channel identifier'), _type: str('Channel type'), mediaType: str('Media type'), mediaAction: str('Media action'), location: str('Location'), contentTypes: arr(str()) }, 'Experience channel');

/** Where a Commerce event happened: environment (32 hex characters with hyphens), website, store and store view. */
export const commerceScope = (): JsonSchema =>
  obj({ environmentID: str('Environment ID'), websiteCode: str('Website code'), storeCode: str('Store code'), storeViewCode: str('Store view code') }, 'Commerce scope');

/**
 * Shipping (`https://ns.adobe.com/xdm/datatypes/shipping`). `trackingNumber` is a string: carriers' numbers carry
 * letters (the XDM data type's `number` would refuse every UPS number).
 */
export const shipping = (): JsonSchema =>
  obj(
    {
      shippingMethod: str('Shipping method'),
      shippingAmount: num('Shipping amount'),
      shippingDestination: str('Shipping destination'),
      currencyCode: str('Currency code'),
      shipDate: { type: 'string', format: 'date-time', title: 'Ship date' },
      address: address(),
      trackingNumber: str('Tracking number'),
      trackingURL: str('Tracking URL'),
    },
    'Shipping',
  );

export const billing = (): JsonSchema => obj({ address: address() }, 'Billing');

/** One refund of an order (credit memo). */
export const refund = (): JsonSchema =>
  obj({ transactionID: str('Transaction ID'), refundAmount: num('Refund amount'), refundPaymentType: str('Refund payment type'), currencyCode: str('Currency code') }, 'Refund');

/** Return (RMA) details of one returned product line. */
export const returnItem = (): JsonSchema =>
  obj(
    {
      returnStatus: str('Return status'),
      returnReason: str('Return reason'),
      returnItemCondition: str('Return item condition'),
      returnResolution: str('Return resolution'),
      returnQuantityRequested: int('Quantity requested'),
      returnQuantityAuthorized: int('Quantity authorized'),
      returnQuantityReceived: int('Quantity received'),
      returnQuantityApproved: int('Quantity approved'),
    },
    'Return item',
  );

/** A B2B requisition list (Commerce B2B events). */
export const requisitionList = (): JsonSchema => obj({ ID: str('Requisition list ID'), name: str('Name'), description: str('Description') }, 'Requisition list');

/** Site search (`https://ns.adobe.com/xdm/datatypes/sitesearch`). */
export const siteSearch = (): JsonSchema =>
  obj(
    {
      query: str('Query'),
      filter: arr(obj({ attribute: str('Attribute'), value: arr(str()), isRange: { type: 'boolean', title: 'Is range' } })),
      sort: arr(obj({ attribute: str('Attribute'), order: enumOf(['ASC', 'DESC', 'RELEVANCE'], 'Order') })),
      suggestions: arr(str()),
      numberOfResults: int('Number of results'),
    },
    'Site search',
  );

/** A measure with an id (search request/response: `searchRequest.id` pairs a request with its response). */
export const searchMeasure = (): JsonSchema => measure();
