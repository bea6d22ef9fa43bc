import { verifyTelnyxSignature, verifyTwilioSignature } from './signature.ts';

/** What a flavour's verify sees of an inbound request. */
export interface SignedRequest {
  /** The public URL the carrier was given: TT_PUBLIC_URL + path + query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  params: [string, string][];
  rawBody: string;
  /** Receipt time (ms), for signatures that carry a timestamp (Telnyx): replays outside the tolerance are refused. */
  nowMs?: number;
}

export interface FlavourCredentials {
  accountSid: string;
  authToken: string;
  /** Telnyx: the account's Ed25519 public key (base64). */
  publicKey?: string;
}

/**
 * The differences between Twilio-style carriers, kept small: the TwiML they take is the same, their signatures,
 * call id shapes and a few verb defaults differ (telephony.md 1.6).
 */
export interface TwimlFlavour {
  name: 'twilio' | 'signalwire' | 'telnyx';
  /** The adapter name in call events: `twiml:<name>`. */
  adapter: string;
  /** Path segment of the webhooks: /carrier/<pathName>/voice … */
  pathName: string;
  verify(req: SignedRequest, creds: FlavourCredentials): boolean;
  /** Explicit `<Record timeout>` so carriers with another default (Telnyx: 0 = never) behave alike. */
  recordSilenceTimeoutDefault: number;
  /** Ring timeout bounds the carrier accepts for `<Dial timeout>`. */
  dialTimeoutRange: [number, number];
}

const header = (h: SignedRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

export const twilio: TwimlFlavour = {
  name: 'twilio',
  adapter: 'twiml:twilio',
  pathName: 'twilio',
  verify: (req, creds) => verifyTwilioSignature(creds.authToken, header(req.headers, 'x-twilio-signature'), req.url, req.params),
  recordSilenceTimeoutDefault: 5,
  dialTimeoutRange: [5, 600],
};

/** SignalWire cXML: Twilio's algorithm keyed with the project signing key, in X-SignalWire-Signature (X-Twilio-Signature also accepted). */
export const signalwire: TwimlFlavour = {
  name: 'signalwire',
  adapter: 'twiml:signalwire',
  pathName: 'signalwire',
  verify: (req, creds) =>
    verifyTwilioSignature(creds.authToken, header(req.headers, 'x-signalwire-signature') ?? header(req.headers, 'x-twilio-signature'), req.url, req.params),
  recordSilenceTimeoutDefault: 5,
  dialTimeoutRange: [5, 600],
};

/** Telnyx TeXML: Ed25519 signature headers; `<Record>` timeout defaults to 0 (infinite) and `<Dial>` timeout is 5–120. */
export const telnyx: TwimlFlavour = {
  name: 'telnyx',
  adapter: 'twiml:telnyx',
  pathName: 'telnyx',
  verify: (req, creds) =>
    verifyTelnyxSignature(creds.publicKey ?? '', header(req.headers, 'telnyx-signature-ed25519'), header(req.headers, 'telnyx-timestamp'), req.rawBody, req.nowMs),
  recordSilenceTimeoutDefault: 5,
  dialTimeoutRange: [5, 120],
};

export const FLAVOURS = { twilio, signalwire, telnyx } as const;
