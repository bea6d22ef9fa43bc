import type { Storage } from '../../storage/database.ts';

/** Reads of the call area for the sandbox and the CLI: whose a number is, a call or an SMS by the carrier's id. */
export class CallLookupService {
  constructor(private readonly storage: Storage) {}

  /** The account a sandbox caller may ring this number for: the live service's, or the last one's while quarantined. */
  async numberAccount(number: string): Promise<number | null> {
    const { numbers, services } = this.storage.repos;
    const num = await numbers.findNumber(this.storage.db, number);
    if (!num) return null;
    if (num.state === 'active' && num.service_id) {
      const svc = await services.findServiceById(this.storage.db, num.service_id);
      return svc ? Number(svc.client_id) : null;
    }
    const owner = num.owner_client_id ?? num.last_client_id;
    return owner === null ? null : Number(owner);
  }

  findSms(carrier: string, messageId: string) {
    return this.storage.repos.telephony.findSmsByCarrierId(this.storage.db, carrier, messageId);
  }

  findCallByCarrierId(carrier: string, carrierCallId: string) {
    return this.storage.repos.telephony.findCallByCarrierId(this.storage.db, carrier, carrierCallId);
  }
}
