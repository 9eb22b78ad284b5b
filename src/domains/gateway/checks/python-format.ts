/**
 * LiteLLM builds its error messages with Python f-strings, so numbers and lists in them read the
 * way Python prints them (`10.0`, `['gpt-4o', 'gpt-4']`). Clients and the black-box suite match
 * those texts, so the checks format the same way.
 */

/** A float as Python's `str()` prints it: `10.0`, `0.5`, `1e-05`, `1e+16`. */
export function pyFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) return pyExponent(value);
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** Python's exponent form: at least two exponent digits, `+` kept (`1e-05`, `2.5e+16`). */
function pyExponent(value: number): string {
  const [mantissa, exponent] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

/** A list of strings as Python's `str(list)` prints it: `['a', 'b']`, `[]`. */
export function pyList(items: readonly string[]): string {
  return `[${items.map(pyString).join(', ')}]`;
}

/** Python's `repr` of a str: single quotes unless the text holds one and no double quote. */
function pyString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

/** Python's `str(None)` for an absent value, else the text. */
export const pyOptional = (text: string | null | undefined): string => text ?? 'None';
