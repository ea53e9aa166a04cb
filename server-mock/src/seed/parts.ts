import type { JsonObject } from '../json.js';

const CATEGORIES = [
  'Valves',
  'Pumps',
  'Filters',
  'Fittings',
  'Electrical',
  'Sensors',
  'Seals',
  'Tools',
  'HVAC',
  'Piping',
];
const KINDS: Record<string, string[]> = {
  Valves: ['ball valve', 'check valve', 'gate valve', 'mixing valve', 'pressure relief valve'],
  Pumps: ['circulator pump', 'condensate pump', 'sump pump', 'booster pump'],
  Filters: ['air filter', 'water filter cartridge', 'strainer', 'magnetic filter'],
  Fittings: ['elbow', 'tee', 'coupling', 'reducer', 'union'],
  Electrical: ['contactor', 'relay', 'fuse', 'terminal block', 'transformer'],
  Sensors: ['temperature sensor', 'pressure switch', 'flow sensor', 'thermostat'],
  Seals: ['O-ring kit', 'gasket', 'shaft seal', 'washer set'],
  Tools: ['pipe wrench', 'crimping tool', 'multimeter probe', 'deburring tool'],
  HVAC: ['fan motor', 'capacitor', 'expansion valve', 'blower wheel'],
  Piping: ['copper pipe', 'PEX pipe', 'flex hose', 'pipe clamp'],
};
const SIZES = ['10 mm', '15 mm', '22 mm', '28 mm', '1/2"', '3/4"', '1"', 'small', 'medium', 'large'];
const MAKERS = ['Acme', 'Borealis', 'Caldera', 'Dynaflow', 'Everline', 'Fulcrum'];

/** A small deterministic PRNG (mulberry32): the same part number always gives the same part. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], next: () => number): T {
  const item = items[Math.floor(next() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Part number `n` of the catalogue (fields only; its id is `pt_<n>`). */
export function partFields(n: number): JsonObject {
  const next = random(n * 7919);
  const category = pick(CATEGORIES, next);
  const kind = pick(KINDS[category] ?? ['part'], next);
  return {
    sku: `${category.slice(0, 3).toUpperCase()}-${String(n).padStart(6, '0')}`,
    name: `${pick(MAKERS, next)} ${kind} ${pick(SIZES, next)}`,
    category,
    price: Math.round((2 + next() * 480) * 100) / 100,
    stock: Math.floor(next() * 500),
  };
}
