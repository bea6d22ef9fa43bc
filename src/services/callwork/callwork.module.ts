import type { Clock } from '../../domain/clock.ts';
import type { Storage } from '../../storage/database.ts';
import type { AuditLog } from '../accounts/audit.service.ts';
import type { AccountEvents } from '../events/account-events.ts';
import type { ReportingService } from '../reporting/reporting.service.ts';
import { CallWorkService } from './call-work.service.ts';
import { EvaluationService } from './evaluations.service.ts';
import { SmsLogService } from './sms-log.service.ts';

/** Call work: what people do with calls (label, notes, evaluation), evaluation questions and report, received SMS. */
export interface CallWork {
  calls: CallWorkService;
  evaluations: EvaluationService;
  sms: SmsLogService;
}

export function createCallWork(deps: { storage: Storage; clock: Clock; audit: AuditLog; events: AccountEvents; reports: ReportingService }): CallWork {
  const { storage, clock, audit, events, reports } = deps;
  return {
    calls: new CallWorkService(storage, clock, audit, events, reports),
    evaluations: new EvaluationService(storage, clock, audit, reports),
    sms: new SmsLogService(storage, reports),
  };
}
