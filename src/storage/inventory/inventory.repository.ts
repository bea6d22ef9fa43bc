import type { Executor } from '../database.ts';
import type { InventoryRulesTable, StockPolicyTable } from '../schema.ts';

export type StockPolicyRow = StockPolicyTable;
export type InventoryRulesRow = InventoryRulesTable;

export function upsertStockPolicy(db: Executor, row: StockPolicyRow) {
  return db
    .insertInto('stock_policies')
    .values(row)
    .onConflict((oc) => oc.columns(['client_id', 'country', 'class']).doUpdateSet({ policy: row.policy }))
    .execute();
}

export function listStockPolicies(db: Executor, clientId: number): Promise<StockPolicyRow[]> {
  return db.selectFrom('stock_policies').selectAll().where('client_id', '=', clientId).execute();
}

export function upsertInventoryRules(db: Executor, row: InventoryRulesRow) {
  return db
    .insertInto('inventory_rules')
    .values(row)
    .onConflict((oc) => oc.column('client_id').doUpdateSet(row))
    .execute();
}

export function findInventoryRules(db: Executor, clientId: number): Promise<InventoryRulesRow | undefined> {
  return db.selectFrom('inventory_rules').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}
