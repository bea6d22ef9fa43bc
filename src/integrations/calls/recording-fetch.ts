import { request } from 'undici';
import type { Config } from '../../config/config.ts';
import { sandboxRecordingWav } from '../../telephony/sandbox/sandbox-carrier.ts';

/**
 * Downloads a recording's media from the carrier (RecordingUrl + `.wav`, HTTP Basic with the carrier account SID and
 * auth token). In sandbox mode the sandbox carrier's own URLs are answered in-process: the same bytes its
 * /sandbox/v1/recordings route serves, without a round trip through our own HTTP server.
 */
export async function fetchRecordingMedia(url: string, config: Pick<Config, 'mode' | 'publicUrl' | 'twilioAccountSid' | 'twilioAuthToken'>): Promise<Buffer> {
  const sandboxPrefix = `${config.publicUrl}/sandbox/v1/recordings/`;
  if (config.mode === 'sandbox' && url.startsWith(sandboxPrefix)) {
    const wav = sandboxRecordingWav(url.slice(sandboxPrefix.length));
    if (!wav) throw new Error(`the sandbox has no recording at ${url}`);
    return wav;
  }
  const res = await request(`${url}.wav`, {
    method: 'GET',
    headers: { authorization: `Basic ${Buffer.from(`${config.twilioAccountSid}:${config.twilioAuthToken}`).toString('base64')}` },
    headersTimeout: 30_000,
    bodyTimeout: 120_000,
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`recording download answered ${res.statusCode}`);
  }
  return Buffer.from(await res.body.arrayBuffer());
}
