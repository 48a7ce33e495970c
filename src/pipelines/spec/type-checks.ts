import type { CheckContext } from './check-context.js';
import type { DocPath } from './diagnostics.js';
import { compilePattern, type TypeSpec } from './value-types.js';

/**
 * The rules of a type declaration the schema cannot say: bounds in order, an enum's values distinct, a string
 * pattern that compiles (ECMAScript syntax with the `u` flag; keep to what Python's `re` reads the same way).
 */
export function checkTypeDeclaration(context: CheckContext, type: TypeSpec, path: DocPath): void {
  switch (type.type) {
    case 'int':
    case 'float':
      if (type.min !== undefined && type.max !== undefined && type.min > type.max) {
        context.report('field', [...path, 'min'], `min ${type.min} is more than max ${type.max}`);
      }
      return;
    case 'string':
      if (
        type.min_length !== undefined &&
        type.max_length !== undefined &&
        type.min_length > type.max_length
      ) {
        context.report(
          'field',
          [...path, 'min_length'],
          `min_length ${type.min_length} is more than max_length ${type.max_length}`,
        );
      }
      if (type.pattern !== undefined && compilePattern(type.pattern) === undefined) {
        context.report('field', [...path, 'pattern'], `'${type.pattern}' is not a valid regular expression`);
      }
      return;
    case 'enum': {
      const seen = new Set<string>();
      type.values.forEach((value, index) => {
        if (seen.has(value))
          context.report('duplicate', [...path, 'values', index], `the value '${value}' is listed twice`);
        seen.add(value);
      });
      return;
    }
    case 'list':
      if (type.min_items !== undefined && type.max_items !== undefined && type.min_items > type.max_items) {
        context.report(
          'field',
          [...path, 'min_items'],
          `min_items ${type.min_items} is more than max_items ${type.max_items}`,
        );
      }
      checkTypeDeclaration(context, type.items, [...path, 'items']);
      return;
    case 'bool':
    case 'artifact':
      return;
  }
}
