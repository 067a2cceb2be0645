/**
 * `engine` with the members `replacement` gives in its place (asked once per member and
 * remembered); every other member is read from the engine on each access, its methods
 * bound to it, so an engine that changes what it offers (one still connecting, see
 * deferred-engine.ts) is seen as it is now.
 */
export function decorateEngine<T extends object>(
  engine: T,
  replacement: (property: string) => unknown,
): T {
  const replaced = new Map<string, unknown>();
  return new Proxy(engine, {
    get(target, property) {
      if (typeof property === "string") {
        if (!replaced.has(property)) replaced.set(property, replacement(property));
        const member = replaced.get(property);
        if (member !== undefined) return member;
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
