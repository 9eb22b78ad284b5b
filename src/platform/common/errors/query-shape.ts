import { getMetadataStorage } from 'class-validator';
import type { ValidationIssue } from './api-error';

/**
 * A known query parameter sent in a shape we do not read (`?user_id[]=u`, `?team_id[a]=b`) would
 * otherwise be dropped as an unknown name, and a filtered list would quietly list everything.
 * Returns the issue for the first such parameter, named by its plain name.
 */
export function bracketedParameter(
  query: Record<string, unknown>,
  isKnown: (name: string) => boolean,
): ValidationIssue | null {
  for (const key of Object.keys(query)) {
    const bracket = key.indexOf('[');
    if (bracket <= 0) continue;
    const name = key.slice(0, bracket);
    if (isKnown(name)) {
      return {
        type: 'value_error',
        loc: ['query', name],
        msg: `${name} must be a single value (?${name}=...); "${key}" is not accepted`,
      };
    }
  }
  return null;
}

const PROPERTIES = new WeakMap<object, Set<string>>();

/** The validated property names of a query DTO class. */
export function dtoProperties(dto: new (...args: never[]) => unknown): Set<string> {
  let names = PROPERTIES.get(dto);
  if (!names) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    names = new Set(metadata.map((m) => m.propertyName));
    PROPERTIES.set(dto, names);
  }
  return names;
}
