/**
 * Just enough of the container image reference grammar (distribution/reference, as used by
 * kubelet's parsers.ParseImageName) to decide the default imagePullPolicy: `Always` for an
 * explicit or implied `:latest` tag, `IfNotPresent` otherwise (including references that do not
 * parse, which upstream also treats as tagless-but-not-latest).
 */

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE_RE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_ID = /^[a-f0-9]{64}$/;

export interface ImageReference {
  readonly name: string;
  /** The tag; "latest" when neither tag nor digest is given. Empty with a digest only. */
  readonly tag: string;
  readonly digest: string;
}

/** Parses an image reference; undefined when it is not a valid reference. */
export function parseImageReference(image: string): ImageReference | undefined {
  if (image === '' || ANCHORED_ID.test(image)) return undefined;
  const m = REFERENCE_RE.exec(image);
  if (!m) return undefined;
  const [, name, tag = '', digest = ''] = m;
  if (name.length > 255) return undefined;
  return { name, tag: tag === '' && digest === '' ? 'latest' : tag, digest };
}

/** The default pull policy for an image. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  return parseImageReference(image)?.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
