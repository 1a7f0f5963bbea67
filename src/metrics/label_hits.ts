/**
 * The hit cache of label lookups: what `inc({ route })`, `observe(labels, v)`,
 * `labels(object)` and `labels("a", "b")` cost when the label set has been seen before
 * in this isolate.
 *
 * The algorithm. The cache is a tree of Maps, one level per label name in `labelNames`
 * order, keyed by the raw label values as callers pass them (before `String()`); the
 * leaves are the children (series handles). A lookup by labels object walks the tree by
 * `labels[name]` for each name (a label left out is `undefined`, a key of its own),
 * counting the labels given; a hit must then have exactly that many enumerable keys,
 * counted with for-in, or else some key is not a label name (or is given as `undefined`)
 * and the caller's slow path decides, with its validation and messages. First, though,
 * it tries the common case, keys in `labelNames` order and none left out, in one for-in
 * loop that compares each key with the name expected there and walks by its value: no
 * keyed property lookup (the slow part of the walk above, as every metric's label
 * objects pass through the same code, so its lookups are megamorphic). A positional
 * lookup walks the tree by the arguments, and never by `undefined` (an error there). No
 * string is built, nothing allocates, on a hit.
 *
 * What goes in: a path is added only after the slow path has found or made the series,
 * and only when each raw value is the normalized string or a number whose `String()` it
 * is (`undefined` standing for a label left out, the empty string). So a path names one
 * series; numbers and strings naming the same value reach the same child through paths
 * of their own; a series has at most 3^labels paths (string, number, left out); and the
 * caller adds only label sets with a series of their own (never one sent to a shared
 * overflow series), so the tree grows with the series, not with the label sets callers
 * invent.
 *
 * bench/mixed/mixed.bench.ts measures it in a program using every metric type.
 *
 * @module
 */

type Node = Map<unknown, unknown>;

/**
 * The hit cache of one metric object.
 *
 * @example
 * ```ts
 * const hits = new LabelHits<Child>(["route", "status"]);
 * const child = hits.byObject({ route: "/", status: 200 }) ?? slowPath();
 * hits.remember(["/", 200], ["/", "200"], child);
 * ```
 */
export class LabelHits<Child> {
  readonly #names: readonly string[];
  readonly #root: Node = new Map();

  /** `names`: the metric's label names, in order (at least one; without labels there is nothing to look up). */
  constructor(names: readonly string[]) {
    if (names.length === 0) throw new RangeError("A label hit cache needs at least one label name");
    this.#names = names;
  }

  /** The child of a labels object seen before, or undefined (then take the slow path). */
  byObject(labels: Readonly<Record<string, unknown>>): Child | undefined {
    // Keys in `labelNames` order, every label given (what most call sites pass): for-in
    // hands out each value through the object's enum cache, no keyed lookup, whatever
    // the object's shape.
    const names = this.#names;
    let node: unknown = this.#root;
    let i = 0;
    for (const key in labels) {
      if (key !== names[i]) return this.#byObjectKeyed(labels);
      node = (node as Node).get(labels[key]);
      if (node === undefined) return undefined;
      i++;
    }
    return i === names.length ? (node as Child) : this.#byObjectKeyed(labels);
  }

  /** {@link byObject} for keys in another order or labels left out: a keyed walk, then a count of the keys. */
  #byObjectKeyed(labels: Readonly<Record<string, unknown>>): Child | undefined {
    const names = this.#names;
    let node: unknown = this.#root;
    let given = 0;
    for (let i = 0; i < names.length; i++) {
      const value = labels[names[i]];
      if (value !== undefined) given++;
      node = (node as Node).get(value);
      if (node === undefined) return undefined;
    }
    let keys = 0;
    for (const _ in labels) keys++;
    return keys === given ? (node as Child) : undefined;
  }

  /** The child of label values given in `labelNames` order (as many as there are names), or undefined. */
  byValues(values: readonly unknown[]): Child | undefined {
    let node: unknown = this.#root;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value === undefined) return undefined;
      node = (node as Node).get(value);
      if (node === undefined) return undefined;
    }
    return node as Child;
  }

  /** The raw values of a labels object in `labelNames` order, for {@link remember} (slow path only: it allocates). */
  rawValues(labels: Readonly<Record<string, unknown>>): unknown[] {
    return this.#names.map((name) => labels[name]);
  }

  /**
   * Adds the path `raw` (values as a caller gave them, `undefined` for a label left out)
   * to `child`, whose normalized label values are `values`; does nothing unless every raw
   * value is exact (see the module comment). Call it only for a label set that has a
   * series of its own.
   */
  remember(raw: readonly unknown[], values: readonly string[], child: Child): void {
    const depth = this.#names.length;
    if (raw.length !== depth || values.length !== depth) return;
    for (let i = 0; i < depth; i++) {
      const value = raw[i];
      const exact = value === undefined ? values[i] === "" : (typeof value === "string" || typeof value === "number") && String(value) === values[i];
      if (!exact) return;
    }
    let node = this.#root;
    for (let i = 0; i < depth - 1; i++) {
      let next = node.get(raw[i]) as Node | undefined;
      if (next === undefined) node.set(raw[i], next = new Map());
      node = next;
    }
    node.set(raw[depth - 1], child);
  }
}
