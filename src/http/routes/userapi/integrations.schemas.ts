import { Type } from 'typebox';
import { CLIENT_ID_MAX, ErrorOut } from '../telco/telco.schemas.ts';

/** Schemas shared by the UserAPI's integration routes (subscriptions, answer points, click-to-call). */

export { ErrorOut };
export const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer | typeof Type.Boolean>>(t: T) => Type.Union([t, Type.Null()]);
export const ClientId = Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; required when the user reaches several accounts.' }));
export const ClientQuery = Type.Object({ client_id: ClientId }, { additionalProperties: false });
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };
export const security = [{ basicAuth: [] }];
export const tags = ['UserAPI'];
