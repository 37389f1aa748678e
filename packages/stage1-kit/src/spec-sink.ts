// What the kit's spec writers write into: @rkt/isolation's SpecBuilder (one directive per line
// of the isolation helper's spec language, packages/isolation/README.md). Only the builder's
// shape is named here, so the kit needs no dependency on the helper's package; the flavors,
// which have it, pass `new SpecBuilder()` and get it back.
export interface SpecSink {
  directive(name: string, ...fields: (string | number)[]): unknown;
}
