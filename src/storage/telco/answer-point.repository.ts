import type { Selectable } from 'kysely';
import type { Executor } from '../database.ts';
import type { AnswerPointTable } from './telco.tables.ts';
import type { ServiceRow } from './service.repository.ts';

export type AnswerPointRow = Selectable<AnswerPointTable>;

export function insertAnswerPoint(db: Executor, row: AnswerPointRow) {
  return db.insertInto('answer_points').values(row).execute();
}

export function findAnswerPoint(db: Executor, clientId: number, id: string): Promise<AnswerPointRow | undefined> {
  return db.selectFrom('answer_points').selectAll().where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
}

export function findAnswerPointByName(db: Executor, clientId: number, name: string): Promise<AnswerPointRow | undefined> {
  return db.selectFrom('answer_points').selectAll().where('client_id', '=', clientId).where('name', '=', name).executeTakeFirst();
}

export function listAnswerPoints(db: Executor, clientId: number, f: { after?: string; limit: number }): Promise<AnswerPointRow[]> {
  return db
    .selectFrom('answer_points')
    .selectAll()
    .where('client_id', '=', clientId)
    .$if(!!f.after, (q) => q.where('id', '>', f.after!))
    .orderBy('id')
    .limit(f.limit)
    .execute();
}

export function updateAnswerPoint(db: Executor, id: string, patch: Partial<Omit<AnswerPointRow, 'id' | 'client_id'>>) {
  return db.updateTable('answer_points').set(patch).where('id', '=', id).execute();
}

export function deleteAnswerPoint(db: Executor, id: string) {
  return db.deleteFrom('answer_points').where('id', '=', id).execute();
}

/** The account's services (not decommissioned) that ring this answer point now. */
export function servicesUsing(db: Executor, clientId: number, answerPointIds: string[]): Promise<ServiceRow[]> {
  if (!answerPointIds.length) return Promise.resolve([]);
  return db
    .selectFrom('services')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('answer_point_id', 'in', answerPointIds)
    .where('status', '!=', 'decommissioned')
    .orderBy('id')
    .execute();
}

/** Services with an unfinished update that will link them to this answer point (not yet applied). */
export async function servicesLinking(db: Executor, clientId: number, answerPointId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('requests')
    .select(['service_id'])
    .where('client_id', '=', clientId)
    .where('type', '=', 'update')
    .where('status', 'in', ['queued', 'processing'])
    .where('changes', 'like', `%"answer_point_id":"${answerPointId}"%`)
    .execute();
  return [...new Set(rows.map((r) => r.service_id).filter((x): x is string => !!x))];
}
