import { addDays } from '../clock.ts';

export const STOCK_POLICIES = ['PUBLIC', 'PRIVATE', 'STRICT_PRIVATE'] as const;
export type StockPolicy = (typeof STOCK_POLICIES)[number];

export const NUMBER_STATES = ['available', 'reserved', 'active', 'quarantined', 'retired'] as const;
export type NumberState = (typeof NUMBER_STATES)[number];

/** Which stock an order may draw from, in order of preference. */
export function stockSources(policy: StockPolicy): { private: boolean; public: boolean } {
  switch (policy) {
    case 'PUBLIC':
      return { private: false, public: true };
    case 'PRIVATE':
      return { private: true, public: true };
    case 'STRICT_PRIVATE':
      return { private: true, public: false };
  }
}

/** The rules a quarantined number is released by: the platform's for public stock, the owner's for a private inventory. */
export interface InventoryRules {
  quarantineDays: number;
  quietDays: number;
  noiseThreshold: number;
  recycleOnRequest: boolean;
}

/** When a number decommissioned at `at` may be released, before any noise. */
export function quarantineEnd(at: Date, rules: InventoryRules): Date {
  return addDays(at, rules.quarantineDays);
}

/**
 * A noise call that takes the count within the quiet period (itself included) over the threshold pushes the
 * release date, so that a whole quiet period follows it; tolerated noise leaves the date alone.
 */
export function releaseAfterNoise(currentRelease: Date, noiseAt: Date, noiseInQuietPeriod: number, rules: InventoryRules): Date {
  if (noiseInQuietPeriod <= rules.noiseThreshold) return currentRelease;
  const quietEnd = addDays(noiseAt, rules.quietDays);
  return quietEnd > currentRelease ? quietEnd : currentRelease;
}

/** A quarantined number is released once its date has passed and the quiet period held at most `noiseThreshold` noise calls. */
export function mayRelease(now: Date, releaseAfter: Date, noiseInQuietPeriod: number, rules: InventoryRules): boolean {
  return now >= releaseAfter && noiseInQuietPeriod <= rules.noiseThreshold;
}
