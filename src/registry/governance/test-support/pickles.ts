/**
 * Pickle bytes for tests, written by hand as protocol-0 opcodes. They are only ever scanned, never loaded.
 * `maliciousPickle` is what `pickle.dumps` of an object whose `__reduce__` returns `(os.system, ('echo pwned',))`
 * produces at protocol 0: GLOBAL os system, MARK, STRING, TUPLE, REDUCE, STOP.
 */
export const maliciousPickle = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", 'latin1');

/** `pickle.dumps({'a': 1}, protocol=0)`: plain data, no imports. */
export const cleanPickle = Buffer.from('(dp0\nVa\np1\nI1\ns.', 'latin1');

/** A class on neither of the scanner's lists (`mypackage.models.Thing()`): the verdict is suspicious. */
export const unlistedPickle = Buffer.from('cmypackage.models\nThing\n(tR.', 'latin1');
