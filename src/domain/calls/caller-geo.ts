import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export interface CallerGeo {
  /** City or region, e.g. "Sydney"; "Mobile" for mobile numbers; null when unknown. */
  location: string | null;
  /** Australian state or territory abbreviation (NSW, VIC, QLD, SA, WA, TAS, NT, ACT); null elsewhere or unknown. */
  state: string | null;
  /** ISO 3166 alpha-2, from the country code. */
  country: string | null;
}

/**
 * Australian geographic numbers by the leading digits of the national significant number (area code without the
 * trunk 0, then the exchange prefix). The longest matching prefix wins. Sources: ACMA numbering plan (charging
 * zones by area code), kept small and coarse on purpose: capital cities and the main regional centres.
 */
const AU_PREFIXES: [string, string, string][] = [
  // 02: NSW and ACT
  ['2', 'NSW', 'New South Wales'],
  ['28', 'NSW', 'Sydney'],
  ['29', 'NSW', 'Sydney'],
  ['240', 'NSW', 'Newcastle'],
  ['249', 'NSW', 'Newcastle'],
  ['242', 'NSW', 'Wollongong'],
  ['243', 'NSW', 'Central Coast'],
  ['244', 'NSW', 'Nowra'],
  ['245', 'NSW', 'Sydney'],
  ['246', 'NSW', 'Sydney'],
  ['247', 'NSW', 'Blue Mountains'],
  ['248', 'NSW', 'Goulburn'],
  ['260', 'NSW', 'Albury'],
  ['261', 'ACT', 'Canberra'],
  ['262', 'ACT', 'Canberra'],
  ['263', 'NSW', 'Orange'],
  ['264', 'NSW', 'Bega'],
  ['265', 'NSW', 'Port Macquarie'],
  ['266', 'NSW', 'Coffs Harbour'],
  ['267', 'NSW', 'Tamworth'],
  ['268', 'NSW', 'Dubbo'],
  ['269', 'NSW', 'Wagga Wagga'],
  // 03: VIC and TAS
  ['3', 'VIC', 'Victoria'],
  ['38', 'VIC', 'Melbourne'],
  ['39', 'VIC', 'Melbourne'],
  ['350', 'VIC', 'Mildura'],
  ['351', 'VIC', 'Gippsland'],
  ['352', 'VIC', 'Geelong'],
  ['353', 'VIC', 'Ballarat'],
  ['354', 'VIC', 'Bendigo'],
  ['355', 'VIC', 'Warrnambool'],
  ['357', 'VIC', 'Wangaratta'],
  ['358', 'VIC', 'Shepparton'],
  ['359', 'VIC', 'Mornington Peninsula'],
  ['36', 'TAS', 'Tasmania'],
  ['362', 'TAS', 'Hobart'],
  ['363', 'TAS', 'Launceston'],
  ['364', 'TAS', 'Burnie'],
  // 07: QLD
  ['7', 'QLD', 'Queensland'],
  ['73', 'QLD', 'Brisbane'],
  ['740', 'QLD', 'Cairns'],
  ['741', 'QLD', 'Bundaberg'],
  ['746', 'QLD', 'Toowoomba'],
  ['747', 'QLD', 'Townsville'],
  ['749', 'QLD', 'Rockhampton'],
  ['754', 'QLD', 'Sunshine Coast'],
  ['755', 'QLD', 'Gold Coast'],
  ['756', 'QLD', 'Gold Coast'],
  // 08: SA, WA, NT
  ['8', 'SA', 'South Australia'],
  ['87', 'SA', 'Adelaide'],
  ['881', 'SA', 'Adelaide'],
  ['882', 'SA', 'Adelaide'],
  ['883', 'SA', 'Adelaide'],
  ['884', 'SA', 'Adelaide'],
  ['885', 'SA', 'Murray Bridge'],
  ['886', 'SA', 'Port Augusta'],
  ['887', 'SA', 'Mount Gambier'],
  ['889', 'NT', 'Darwin'],
  ['8895', 'NT', 'Alice Springs'],
  ['8896', 'NT', 'Alice Springs'],
  ['8897', 'NT', 'Katherine'],
  ['89', 'WA', 'Western Australia'],
  ['892', 'WA', 'Perth'],
  ['893', 'WA', 'Perth'],
  ['894', 'WA', 'Perth'],
  ['86', 'WA', 'Perth'],
  ['890', 'WA', 'Kalgoorlie'],
  ['895', 'WA', 'Mandurah'],
  ['896', 'WA', 'Geraldton'],
  ['897', 'WA', 'Bunbury'],
  ['898', 'WA', 'Albany'],
  ['899', 'WA', 'Broome'],
];

const AU_TABLE = new Map(AU_PREFIXES.map(([p, state, location]) => [p, { state, location }]));

/** Location, state and country of a caller from the number alone (null fields when the plan says nothing). */
export function callerGeo(e164: string | null): CallerGeo {
  if (!e164) return { location: null, state: null, country: null };
  const p = parsePhoneNumberFromString(e164);
  if (!p) return { location: null, state: null, country: null };
  const country = p.country ?? null;
  if (country !== 'AU') return { location: null, state: null, country };
  const type = p.getType();
  if (type === 'MOBILE') return { location: 'Mobile', state: null, country };
  if (type === 'TOLL_FREE' || type === 'SHARED_COST') return { location: null, state: null, country };
  const nsn = p.nationalNumber;
  for (let len = Math.min(4, nsn.length); len >= 1; len--) {
    const hit = AU_TABLE.get(nsn.slice(0, len));
    if (hit) return { location: hit.location, state: hit.state, country };
  }
  return { location: null, state: null, country };
}

/** Caller ids carriers use for withheld numbers (Twilio: +266696687 anonymous, +7378742833 restricted, +2562533 blocked, +8656696 unavailable). */
const WITHHELD_IDS = new Set(['', 'anonymous', 'private', 'restricted', 'unknown', 'unavailable', 'withheld', 'blocked', '+266696687', '+7378742833', '+2562533', '+8656696', '266696687']);

/** The caller's E.164 number, or withheld (shown as `Private`); a caller id that is no phone number (sip:, client:) gives neither. */
export function classifyCaller(from: string | null | undefined, parse: (s: string) => string | null): { e164: string | null; withheld: boolean } {
  const raw = (from ?? '').trim();
  if (WITHHELD_IDS.has(raw.toLowerCase())) return { e164: null, withheld: true };
  return { e164: parse(raw), withheld: false };
}
