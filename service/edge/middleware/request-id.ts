/** Request ids: a sane incoming `X-Request-Id` is honoured, anything else is replaced. */
import { randomUUID } from 'node:crypto';

/** Bounded and safe to echo into headers and logs. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function acceptRequestId(incoming: string | undefined): string {
  if (incoming && ACCEPTABLE_REQUEST_ID.test(incoming)) return incoming;
  return `req_${randomUUID().replaceAll('-', '')}`;
}
