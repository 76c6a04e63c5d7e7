import { PermissionError } from '../errors.js';
import { LIMIT_NAMES, type KeyLimits } from './key-limits.js';

/**
 * A key can never grant more than its owner has: every limit the owner has must be matched or
 * tightened by the key (a key that leaves one out simply inherits it, since both apply), and a key's
 * model list must stay inside the owner's. Asking for more is refused, naming the field.
 */
export function assertWithinOwner(
  key: { limits?: KeyLimits | undefined; models?: readonly string[] | null | undefined },
  owner: { limits: KeyLimits; allowedModels: readonly string[] | null },
  resolveModel: (name: string) => string = (name) => name,
): void {
  for (const name of LIMIT_NAMES) {
    const mine = key.limits?.[name];
    const ceiling = owner.limits[name];
    if (mine !== undefined && ceiling !== undefined && mine > ceiling) {
      throw new PermissionError(`limits.${name}: ${mine} is more than the owner's own limit of ${ceiling}.`);
    }
  }
  if (owner.allowedModels === null || key.models === undefined) return;
  if (key.models === null) {
    throw new PermissionError(
      `models: the owner may only use ${owner.allowedModels.join(', ')}; a key cannot allow every model.`,
    );
  }
  const allowed = new Set(owner.allowedModels.map(resolveModel));
  const wider = key.models.filter((m) => !allowed.has(resolveModel(m)));
  if (wider.length > 0) {
    throw new PermissionError(`models: the owner may not use ${wider.join(', ')}.`);
  }
}
