// Values a mirrord.json may hold where kmirror's key takes a narrower form, turned into kmirror's
// before validation so a mirrord project's file starts instead of failing:
// - agent.log_level: mirrord takes any RUST_LOG string ("mirrord=debug,warn"); kmirror's agent
//   has one level, the most verbose one the string names.
// - agent.image: mirrord's own agent image (ghcr.io/metalbear-co/mirrord…, or mirrord's
//   { registry, tag } form naming it) cannot serve kmirror's tunnel; kmirror's own image is used.
//   Another { registry, tag } becomes "registry:tag".
// Each change is a warning naming the key.
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
const MIRRORD_IMAGE = /(^|\/)metalbear-co\/mirrord(:|@|$)/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The most verbose level a RUST_LOG string names ("mirrord=debug,warn" → "debug"), or undefined. */
export function levelOfRustLog(text: string): string | undefined {
  const named = text.toLowerCase().split(',').map((d) => d.slice(d.lastIndexOf('=') + 1).trim());
  return LEVELS.find((l) => named.includes(l));
}

function normalizeAgent(agent: Obj, source: string, warnings: string[]): Obj {
  const out = { ...agent };
  const level = out.log_level;
  if (typeof level === 'string' && !(LEVELS as readonly string[]).includes(level)) {
    const picked = levelOfRustLog(level);
    if (picked !== undefined) {
      out.log_level = picked;
      warnings.push(`${source}: agent.log_level ${JSON.stringify(level)} is a RUST_LOG filter (mirrord's); kmirror's agent logs at one level: "${picked}"`);
    }
  }
  let image = out.image;
  if (isObj(image) && typeof image.registry === 'string') {
    image = typeof image.tag === 'string' ? `${image.registry}:${image.tag}` : image.registry;
    out.image = image;
  }
  if (typeof image === 'string' && MIRRORD_IMAGE.test(image)) {
    delete out.image;
    warnings.push(`${source}: agent.image ${JSON.stringify(image)} is mirrord's agent, which does not speak kmirror's protocol; ignored (kmirror's own agent image is used)`);
  }
  return out;
}

/** `value` with mirrord-only value forms rewritten (a copy where changed), plus the warnings. */
export function normalizeMirrordValues(value: unknown, source: string): { value: unknown; warnings: string[] } {
  const warnings: string[] = [];
  if (!isObj(value) || !isObj(value.agent)) return { value, warnings };
  return { value: { ...value, agent: normalizeAgent(value.agent, source, warnings) }, warnings };
}
