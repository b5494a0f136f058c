import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSql92, Sql92ParseError } from '../../../src/broker/filter/sql92-filter.ts';

const props = new Map(
  Object.entries({
    a: '3',
    b: 'hello world',
    flag: 'true',
    price: '9.5',
    TAGS: 'TagA',
    big: '10000000000',
    neg: '-4',
  }),
);

// [expression, expected match] - "unknown" (NULL involved) never matches.
const table: [string, boolean][] = [
  ['a = 3', true],
  ['a = 4', false],
  ['a <> 4', true],
  ['a > 2 AND a < 4', true],
  ['a >= 3 and a <= 3', true],
  ['price > 9.4', true],
  ['price < 9.5', false],
  ['big > 9999999999L', true],
  ['neg < -3', true],
  ['-a = -3', true],
  ['a BETWEEN 1 AND 3', true],
  ['a NOT BETWEEN 1 AND 2', true],
  ["b IN ('x', 'hello world')", true],
  ["b NOT IN ('x', 'y')", true],
  ["TAGS IN ('TagA')", true],
  ['missing IS NULL', true],
  ['a IS NOT NULL', true],
  ['missing = 1', false],
  ['NOT (missing = 1)', false],
  ['missing = 1 OR a = 3', true],
  ['missing = 1 AND a = 3', false],
  ['flag = TRUE', true],
  ['flag = FALSE', false],
  ["b CONTAINS 'lo w'", true],
  ["b STARTSWITH 'hell'", true],
  ["b ENDSWITH 'world'", true],
  ["b NOT CONTAINS 'zzz'", true],
  ["b = 'it''s'", false],
  ['(a = 1 OR a = 3) AND NOT (b IS NULL)', true],
  ['a = 3 -- a trailing comment', true],
  ['/* leading */ a = 3', true],
  ["b > 'a'", true],
  ['b = 3', false],
];

for (const [expression, expected] of table) {
  test(`SQL92: ${expression} -> ${expected}`, () => {
    assert.equal(compileSql92(expression).matches(props), expected);
  });
}

test('SQL92 parse errors name what is wrong and where', () => {
  const bad: [string, RegExp][] = [
    ['a = ', /ends too early/],
    ['a === 3', /Unexpected "=" at 3/],
    ['(a = 3', /Expected \) at 6/],
    ['b IN (1, 2)', /Expected str/],
    ['a BETWEEN 5 AND 1', /low bound is above the high bound/],
    ["b = 'open", /Unterminated string/],
    ['a LIKE 3', /Unexpected "LIKE"/],
    ['a NOT 3', /Unexpected "NOT" at 2/],
  ];
  for (const [expression, message] of bad) {
    assert.throws(
      () => compileSql92(expression),
      (e: unknown) => e instanceof Sql92ParseError && message.test(e.message),
      expression,
    );
  }
});
