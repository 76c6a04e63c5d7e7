/**
 * fast-check pieces for property tests of request checks: values that are mostly the right shape,
 * so whole requests are often valid and each field is sometimes not.
 */
import fc from 'fast-check';

/** Any JSON-like value built from `scalar`, with objects keyed by `keys` (shallow, small). */
export function looseJson(scalar: fc.Arbitrary<unknown>, keys: readonly string[]): fc.Arbitrary<unknown> {
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 3 }),
    ),
  })).value;
}

/** `arb` most of the time, now and then a scalar or a loose value in its place. */
export function mostly(scalar: fc.Arbitrary<unknown>, loose: fc.Arbitrary<unknown>) {
  return <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof(
      { arbitrary: arb, weight: 24 },
      { arbitrary: scalar, weight: 1 },
      { arbitrary: loose, weight: 1 },
    );
}
