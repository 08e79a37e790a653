import { GamelakeError } from '../../transforms/errors.ts';

/** A --faults spec that cannot be read (the CLI reports it as a usage error). */
export class FaultSpecError extends GamelakeError {}
import type { Random } from '../random.ts';

export const FAULT_KINDS = ['429', '500', '503', 'timeout', 'malformed', 'empty'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultSpec = Partial<Record<FaultKind, number>>;

/** Parses `--faults "429=0.1,500=0.2,timeout=0.05,malformed=0.02,empty=0.02"` (shares of calls, summing to at most 1). */
export function parseFaults(spec: string | undefined): FaultSpec {
  const out: FaultSpec = {};
  if (!spec?.trim()) return out;
  for (const part of spec.split(',')) {
    const [kind, value] = part.split('=').map((s) => s.trim());
    if (!(FAULT_KINDS as readonly string[]).includes(kind!)) throw new FaultSpecError(`--faults: unknown fault "${kind}" in "${part}" (known: ${FAULT_KINDS.join(', ')})`);
    const share = Number(value);
    if (value === undefined || !Number.isFinite(share) || share < 0 || share > 1) throw new FaultSpecError(`--faults: ${kind}=${value ?? ''} is not a share between 0 and 1`);
    out[kind as FaultKind] = share;
  }
  const total = Object.values(out).reduce((a, b) => a + b, 0);
  if (total > 1) throw new FaultSpecError(`--faults: shares add up to ${total.toFixed(2)}, more than 1`);
  return out;
}

/** Which fault (if any) this call gets. */
export function drawFault(faults: FaultSpec, random: Random): FaultKind | undefined {
  let x = random.float();
  for (const kind of FAULT_KINDS) {
    const share = faults[kind] ?? 0;
    if (x < share) return kind;
    x -= share;
  }
  return undefined;
}
