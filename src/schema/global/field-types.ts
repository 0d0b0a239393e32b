/** Small builders for JSON Schema fragments of the global XDM resources (runtime notation). */
export type JsonSchema = Record<string, unknown>;

export const str = (title?: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...(title ? { title } : {}), ...extra });
export const num = (title?: string): JsonSchema => ({ type: 'number', ...(title ? { title } : {}) });
export const int = (title?: string): JsonSchema => ({ type: 'integer', ...(title ? { title } : {}) });
/** XDM `long`: an integer within JSON's safe range (durations and times in ms). */
export const long = (title?: string): JsonSchema => ({ type: 'integer', 'meta:xdmType': 'long', minimum: -9007199254740991, maximum: 9007199254740991, ...(title ? { title } : {}) });
export const bool = (title?: string): JsonSchema => ({ type: 'boolean', ...(title ? { title } : {}) });
export const dateTime = (title?: string): JsonSchema => ({ type: 'string', format: 'date-time', ...(title ? { title } : {}) });
export const date = (title?: string): JsonSchema => ({ type: 'string', format: 'date', ...(title ? { title } : {}) });
export const enumOf = (values: string[], title?: string): JsonSchema => ({ type: 'string', enum: values, ...(title ? { title } : {}) });
export const obj = (properties: Record<string, JsonSchema>, title?: string): JsonSchema => ({ type: 'object', ...(title ? { title } : {}), properties });
export const arr = (items: JsonSchema, title?: string): JsonSchema => ({ type: 'array', items, ...(title ? { title } : {}) });
/** A map keyed by arbitrary strings. */
export const mapOf = (values: JsonSchema, title?: string): JsonSchema => ({ type: 'object', 'meta:xdmType': 'map', additionalProperties: values, ...(title ? { title } : {}) });
export const measure = (): JsonSchema => obj({ value: num('Value'), id: str('ID') });
export const openObject = (title?: string): JsonSchema => ({ type: 'object', ...(title ? { title } : {}) });

export const address = (): JsonSchema =>
  obj({
    primary: bool(),
    street1: str('Street 1'),
    street2: str(),
    street3: str(),
    street4: str(),
    city: str('City'),
    stateProvince: str('State or province'),
    state: str(),
    postalCode: str('Postal code'),
    country: str('Country'),
    countryCode: str('Country code'),
    region: str(),
    label: str(),
    status: str(),
    type: str(),
  });
export const email = (): JsonSchema => obj({ address: str('Address'), primary: bool(), type: str(), status: str(), label: str(), statusReason: str() });
export const phone = (): JsonSchema => obj({ number: str('Number'), primary: bool(), type: str(), status: str(), label: str(), countryCode: str(), extension: str(), validity: str() });
