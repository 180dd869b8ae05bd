import { parseArgs, type ParseArgsConfig } from 'node:util'
import { InputError, messageOf } from '../engine/errors.ts'

type Options = NonNullable<ParseArgsConfig['options']>

/** util.parseArgs with its errors turned into InputError (exit 2) and `--json` on every command. */
type Values<O extends Options> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string } & {
  json?: boolean
  help?: boolean
}

export function parse<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  positionals: { min: number; max: number; usage: string },
): { values: Values<O>; positionals: string[] } {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    })
  } catch (e) {
    throw new InputError(
      `${command}: ${messageOf(e).replace(/\. To specify.*$/s, '')}; usage: ${positionals.usage}`,
    )
  }
  const values = parsed.values as Values<O>
  if (values.help) {
    // Written from the parser's own table, so the list can never miss a flag the command takes.
    const flags = Object.entries({ ...options, json: { type: 'boolean' }, help: { type: 'boolean' } }).map(
      ([name, o]) => `--${name}${o.type === 'string' ? ' VALUE' : ''}`,
    )
    process.stdout.write(`usage: ${positionals.usage}\nflags: ${flags.join(', ')}\n`)
    process.exit(0)
  }
  const n = parsed.positionals.length
  if (!values.help && (n < positionals.min || n > positionals.max)) {
    throw new InputError(`${command}: expected ${describeCount(positionals)}; usage: ${positionals.usage}`)
  }
  return { values, positionals: parsed.positionals }
}

function describeCount(p: { min: number; max: number }): string {
  if (p.min === p.max) return `${p.min} argument${p.min === 1 ? '' : 's'}`
  return `${p.min} to ${p.max} arguments`
}

export function parseIntList(flag: string, text: string, count: number, min = 1): number[] {
  const parts = text.split(',').map((s) => s.trim())
  const values = parts.map(Number)
  if (parts.length !== count || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new InputError(`${flag}: expected ${count} comma-separated integers >= ${min}, got '${text}'`)
  }
  return values
}

export function parsePositiveNumbers(flag: string, text: string, count: number): number[] {
  const values = text.split(',').map(Number)
  if (values.length !== count || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new InputError(`${flag}: expected ${count} comma-separated positive numbers, got '${text}'`)
  }
  return values
}

export function parseInteger(
  flag: string,
  text: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback
  const v = Number(text)
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InputError(`${flag}: expected an integer between ${min} and ${max}, got '${text}'`)
  }
  return v
}

export function parseChoice<T extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback
  if (!(choices as readonly string[]).includes(text)) {
    throw new InputError(`${flag}: expected one of ${choices.join(', ')}, got '${text}'`)
  }
  return text as T
}

/** An optional finite number (absent: undefined). */
export function parseOptionalNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const v = Number(text)
  if (text.trim() === '' || !Number.isFinite(v))
    throw new InputError(`${flag}: expected a number, got '${text}'`)
  return v
}

type StringOptions<S extends string> = { [K in S]: { type: 'string' } }
type SwitchOptions<B extends string> = { [K in B]: { type: 'boolean' } }

/** A command's options by name: `--name VALUE` ones, then `--name` switches. */
export function options<const S extends string, const B extends string = never>(
  strings: readonly S[],
  switches: readonly B[] = [],
): StringOptions<S> & SwitchOptions<B> {
  const out: Record<string, { type: 'string' | 'boolean' }> = {}
  for (const name of strings) out[name] = { type: 'string' }
  for (const name of switches) out[name] = { type: 'boolean' }
  return out as StringOptions<S> & SwitchOptions<B>
}
