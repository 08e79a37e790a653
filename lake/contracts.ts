import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ContractError } from '../transforms/errors.ts';
import type { ContractRegistry } from '../transforms/contract/model.ts';
import { buildRegistry, parseContract } from '../transforms/contract/parse.ts';
import { lakeTables } from '../transforms/tables.ts';

/** The contracts shipped with gamelake (one file per game). */
export const DEFAULT_CONTRACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'contracts');

/** Reads one contract file (YAML, or JSON: .json) into the model; errors name the file and the field. */
export function readContractFile(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ContractError(`${file}: cannot read it (${(cause as Error).message})`, { cause });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { merge: true, uniqueKeys: true });
  } catch (cause) {
    throw new ContractError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
  return parseContract(raw, path.basename(file));
}

/**
 * Every contract in a folder (`*.yaml`, `*.yml`, `*.json`; files starting with `_` or `.` are skipped),
 * as one registry. The tables they imply are derived once here, so conflicting contracts fail at start.
 */
export function loadContracts(dir: string = DEFAULT_CONTRACTS_DIR): ContractRegistry {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('_') && !f.startsWith('.'))
      .sort();
  } catch (cause) {
    throw new ContractError(`contracts folder ${dir} cannot be read (${(cause as Error).message})`, { cause });
  }
  if (names.length === 0) throw new ContractError(`no contract files (*.yaml, *.json) in ${dir}`);
  const registry = buildRegistry(names.map((f) => readContractFile(path.join(dir, f))));
  lakeTables(registry);
  return registry;
}
