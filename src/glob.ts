/** Glob with `*` (any run of characters) and `?` (one character), anchored at both ends. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** True when `name` matches one of the glob patterns (no patterns: nothing matches). */
export function matchesAny(name: string, patterns: string[]): boolean {
  return patterns.some((pattern) => globToRegExp(pattern).test(name));
}

/** The names matching any of `patterns`, once each, in their first order (no patterns: none). */
export function selectNames(names: Iterable<string>, patterns: string[]): string[] {
  if (patterns.length === 0) return [];
  const expressions = patterns.map(globToRegExp);
  return [...new Set(names)].filter((name) => expressions.some((expression) => expression.test(name)));
}
