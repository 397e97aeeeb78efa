/**
 * @peculiar/x509 registers its algorithms through tsyringe, which refuses to load unless the
 * `reflect-metadata` polyfill has installed Reflect.getMetadata, getOwnMetadata and defineMetadata.
 * That package is not a dependency of lite, so this module supplies just those three functions
 * (metadata kept in a WeakMap per target and property) when they are missing. It must be imported
 * before @peculiar/x509; `./x509.js` does so. If the real polyfill is present, nothing changes.
 */

type MetadataKey = unknown;
type Target = object;

interface ReflectWithMetadata {
  getMetadata?: (key: MetadataKey, target: Target, property?: string | symbol) => unknown;
  getOwnMetadata?: (key: MetadataKey, target: Target, property?: string | symbol) => unknown;
  defineMetadata?: (key: MetadataKey, value: unknown, target: Target, property?: string | symbol) => void;
}

const reflect = Reflect as typeof Reflect & ReflectWithMetadata;

if (typeof reflect.getMetadata !== 'function' || typeof reflect.getOwnMetadata !== 'function' || typeof reflect.defineMetadata !== 'function') {
  const store = new WeakMap<Target, Map<string | symbol | undefined, Map<MetadataKey, unknown>>>();

  const own = (key: MetadataKey, target: Target, property?: string | symbol): unknown => store.get(target)?.get(property)?.get(key);

  const define = (key: MetadataKey, value: unknown, target: Target, property?: string | symbol): void => {
    let byProperty = store.get(target);
    if (!byProperty) {
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let byKey = byProperty.get(property);
    if (!byKey) {
      byKey = new Map();
      byProperty.set(property, byKey);
    }
    byKey.set(key, value);
  };

  // Looks up the prototype chain, as reflect-metadata's getMetadata does.
  const inherited = (key: MetadataKey, target: Target, property?: string | symbol): unknown => {
    for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
      const v = store.get(t)?.get(property);
      if (v?.has(key)) return v.get(key);
    }
    return undefined;
  };

  const install = (name: keyof ReflectWithMetadata, fn: unknown) => Object.defineProperty(Reflect, name, { value: fn, configurable: true, writable: true, enumerable: false });
  install('getOwnMetadata', own);
  install('getMetadata', inherited);
  install('defineMetadata', define);
}

export {};
