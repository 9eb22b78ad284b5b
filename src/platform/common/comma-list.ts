/**
 * A comma-separated query value (`?team_ids=a,b`) as its distinct, trimmed, non-empty entries, in
 * the order first given; an absent value is the empty list.
 */
export function splitIds(value: string | undefined): string[] {
  return [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
