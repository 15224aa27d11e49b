/**
 * Alertmanager's own config (alerts/generated/alertmanager.yml: snake_case, matcher strings,
 * secrets in files) translated into the Prometheus Operator AlertmanagerConfig's spec (camelCase,
 * structured matchers, secrets as keys of a Secret), so a test can compare the two renderings of
 * one routing. Written apart from the jsonnet that renders both, so it checks that jsonnet.
 */
import { basename } from 'node:path';

export interface Matcher {
  name: string;
  matchType: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** `name="value"`, `name=~"value"` and so on, the value double-quoted with JSON-like escapes. */
export function parseMatcher(text: string): Matcher {
  const match = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")$/.exec(text);
  if (!match) throw new Error(`not a matcher Levee writes: ${text}`);
  return { name: match[1]!, matchType: match[2] as Matcher['matchType'], value: JSON.parse(match[3]!) as string };
}

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * `value` (a route, an inhibit rule, a receiver, or a list of them) in the AlertmanagerConfig's
 * shape. A secret file becomes a SecretKeySelector on `secretName`, its key the file's name with
 * dashes (`pagerduty_routing_key` → `pagerduty-routing-key`); every other key is renamed, never
 * dropped, so a field the operator's object lacks still shows up as a difference.
 */
export function operatorShape(value: unknown, secretName: string): unknown {
  if (Array.isArray(value)) return value.map((item) => operatorShape(item, secretName));
  if (typeof value !== 'object' || value === null) return value;
  const secretKey = (file: unknown) => ({ name: secretName, key: basename(String(file)).replaceAll('_', '-') });
  return Object.fromEntries(
    Object.entries(value).map(([key, field]): [string, unknown] => {
      switch (key) {
        case 'matchers':
          return ['matchers', (field as string[]).map(parseMatcher)];
        case 'source_matchers':
          return ['sourceMatch', (field as string[]).map(parseMatcher)];
        case 'target_matchers':
          return ['targetMatch', (field as string[]).map(parseMatcher)];
        case 'routing_key_file':
          return ['routingKey', secretKey(field)];
        case 'api_url_file':
          return ['apiURL', secretKey(field)];
        case 'links':
          return ['pagerDutyLinkConfigs', (field as Array<{ href: string; text: string }>).map(({ href, text }) => ({ href, alt: text }))];
        default:
          return [camelCase(key), operatorShape(field, secretName)];
      }
    }),
  );
}
