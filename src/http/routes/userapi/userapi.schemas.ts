import { Type, type TSchema } from 'typebox';
import { ROLES } from '../../../domain/accounts/roles.ts';
import { CLIENT_ID_MAX } from '../telco/telco.schemas.ts';

export const tags = ['UserAPI'];
/** Documented on every signed-in route (documentPermissions widens it to Bearer and the cookie). */
export const security = [{ basicAuth: [] }];

export const ErrorOut = Type.Object({
  code: Type.String(),
  detail: Type.String(),
  requestId: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});
export const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 423: ErrorOut, 429: ErrorOut };

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const RoleIn = Type.String({ enum: [...ROLES], description: 'owner, admin, analyst or read_only (see the role matrix).' });
export const ClientIdField = Type.Optional(Type.Integer({ minimum: 1, maximum: CLIENT_ID_MAX, description: 'The account to act on; default: the session’s current account, or the only one.' }));
export const ClientQuery = Type.Object({ client_id: ClientIdField }, { additionalProperties: false });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const AccountOut = Type.Object({ client_id: Type.Integer(), name: Type.String(), role: Type.String({ enum: [...ROLES] }) });

export const UserOut = Type.Object({
  id: Type.String(),
  username: Type.String(),
  email: Nullable(Type.String()),
  role: Type.String({ enum: [...ROLES] }),
  status: Type.String({ enum: ['active', 'disabled', 'invited', 'locked'], description: 'active; disabled in this account; invited (invitation not accepted yet); locked (a failed-sign-in lockout is running).' }),
  password_change_required: Type.Boolean({ description: 'An admin reset the password: it must be changed at the next sign-in.' }),
  last_login_at: Nullable(Type.String()),
  created_at: Type.String(),
});

export const ApiKeyOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String({ enum: [...ROLES] }),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
  created_by: Type.String(),
  created_at: Type.String(),
  last_used_at: Nullable(Type.String({ description: 'Refreshed at most once a minute.' })),
  revoked_at: Nullable(Type.String()),
});

const policyFields = {
  min_length: Type.Integer({ minimum: 8, maximum: 128, description: 'Minimum length of a new password (default 12).' }),
  min_classes: Type.Integer({ minimum: 1, maximum: 4, description: 'Character classes (lower case, upper case, digits, other) a new password needs (default 3).' }),
  expiry_days: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days a password stays valid, then it must be changed at the next sign-in; 0 never (default).' }),
  history: Type.Integer({ minimum: 0, maximum: 24, description: 'A new password must not be one of the last N (default 5).' }),
  lockout_attempts: Type.Integer({ minimum: 0, maximum: 100, description: 'Failed sign-ins in a row that lock the user out (423 `locked`); 0 no lockout (default 5).' }),
  lockout_minutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'How long the lockout lasts (default 15).' }),
  inactive_days: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days without a sign-in after which the user is locked out until an admin enables them; 0 never (default 180).' }),
};
export const PolicyOut = Type.Object({ ...policyFields, updated_at: Nullable(Type.String({ description: 'null: the defaults, never changed.' })) });
export const PolicyIn = Type.Object(
  {
    client_id: ClientIdField,
    min_length: Type.Optional(policyFields.min_length),
    min_classes: Type.Optional(policyFields.min_classes),
    expiry_days: Type.Optional(policyFields.expiry_days),
    history: Type.Optional(policyFields.history),
    lockout_attempts: Type.Optional(policyFields.lockout_attempts),
    lockout_minutes: Type.Optional(policyFields.lockout_minutes),
    inactive_days: Type.Optional(policyFields.inactive_days),
  },
  { additionalProperties: false },
);
