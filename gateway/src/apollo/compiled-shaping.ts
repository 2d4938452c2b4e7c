// Patches the flat copy of @apollo/federation-internals' exports, which @apollo/gateway reads: it must exist first.
import './flat-federation-exports.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

/**
 * Result shaping compiled per operation, in place of @apollo/gateway's computeResponse (the step of
 * executeQueryPlan that copies the merged subgraph data into the answer the client asked for:
 * aliases, fragments on abstract types, @skip/@include, __typename, null checks).
 *
 * The stock code walks the operation's selection sets for every object of every answer, and for
 * each selection of each object reads its @skip/@include directives, its response name and field
 * type through federation-internals' accessors, pushes and pops a path kept for error messages and
 * allocates a result record per value. Here each operation's selection sets are turned once into
 * plain nodes (response name, field type, skip/include condition, child nodes, a memo of which
 * types a fragment applies to) and the same algorithm runs over them, in the same order, writing
 * the same objects: the answer is the stock one (same key order, same values).
 *
 * Only the ordinary path is reimplemented. Whenever the stock code would report something (a null
 * in a non-null position, an invalid leaf value or __typename, a null bubbling up, a failed
 * assertion, a non-boolean @skip/@include variable) this gives up and runs the stock
 * computeResponse from the start on the same input, which it never modifies: errors, their
 * messages and paths are Apollo's own by construction.
 *
 * The compiled nodes hang off the operation object, so that object must be the same from one
 * request to the next: executeQueryPlan builds it per request with operationFromDocument(apiSchema,
 * document, { validate: false }) from the (cached) document's AST nodes. That call is memoized per
 * (operation node, fragment nodes, schema); a failure is not remembered (it is rethrown each time).
 * Nothing in executeQueryPlan modifies the operation.
 *
 * Installed by patching two module exports that executeQueryPlan reads at call time: both paths
 * that run plans (ApolloGateway's executor and the subscription engine's executeQueryPlan) use it.
 * Written against @apollo/gateway and @apollo/federation-internals 2.14.4; listed in ./internals.ts.
 * Off: `useCompiledShaping(false)` (GATEWAY_COMPILED_SHAPING=false) restores the stock behaviour.
 */

/* Structural views of the federation-internals objects read here (the package's own types are not exported for these). */
interface FiType {
  readonly kind: string;
  readonly name: string;
  readonly ofType?: FiType;
}
interface FiSchema {
  type(name: string): FiType | undefined;
  skipDirective(): unknown;
  includeDirective(): unknown;
  readonly schemaDefinition: { rootType(kind: string): FiType | undefined };
}
interface FiDirective {
  arguments(): { if: unknown };
}
interface FiElement {
  appliedDirectivesOf(definition: unknown): FiDirective[];
}
interface FiField extends FiElement {
  readonly name: string;
  responseName(): string;
  readonly definition: { readonly type: FiType; isSchemaIntrospectionField(): boolean };
}
interface FiFragment extends FiElement {
  readonly typeCondition?: FiType;
}
interface FiSelection {
  readonly kind: string;
  readonly element: FiField | FiFragment;
  readonly selectionSet?: FiSelectionSet;
}
interface FiSelectionSet {
  selections(): readonly FiSelection[];
}
interface FiOperation {
  schema(): FiSchema;
  readonly rootKind: string;
  readonly selectionSet: FiSelectionSet;
  collectDefaultedVariableValues(): Record<string, unknown>;
}
interface ComputeResponseArgs {
  operation: FiOperation;
  variables: Record<string, unknown> | undefined;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: FiSelection) => unknown;
}
type ComputeResponse = (args: ComputeResponseArgs) => { data: unknown; errors: unknown[] };

interface FederationInternals {
  operationFromDocument(schema: unknown, document: DocumentNode, options?: { operationName?: string; validate?: boolean }): FiOperation;
  isSubtype(type: FiType, maybeSubType: FiType): boolean;
  isObjectType(type: unknown): boolean;
  isCompositeType(type: unknown): boolean;
  isValidLeafValue(schema: FiSchema, value: unknown, type: FiType): boolean;
  Variable: new (...args: never[]) => { readonly name: string };
}

const require = createRequire(import.meta.url);
const internals = require('@apollo/federation-internals') as FederationInternals;
const { isSubtype, isObjectType, isCompositeType, isValidLeafValue, Variable } = internals;
// The very module object executeQueryPlan.js reads `computeResponse` from (require("./resultShaping")).
const resultShaping = require(join(dirname(require.resolve('@apollo/gateway')), 'resultShaping.js')) as { computeResponse: ComputeResponse };
const stockComputeResponse = resultShaping.computeResponse;
const stockOperationFromDocument = internals.operationFromDocument;

/** Thrown inside the fast path when the stock code would report something; caught below. */
const GIVE_UP: unique symbol = Symbol('give up');

/** An @skip/@include argument: a literal, or a variable's name (a string, since literals are booleans). */
type IfArgument = boolean | string;
interface Condition {
  skip?: IfArgument;
  include?: IfArgument;
}

interface FieldNode {
  readonly field: true;
  readonly condition: Condition | undefined;
  readonly responseName: string;
  readonly isTypename: boolean;
  /** The original selection, handed to introspectionHandling as the stock code does; set for __schema and __type. */
  readonly introspection: FiSelection | undefined;
  readonly type: FiType;
  readonly selectionSet: ShapeNode[] | undefined;
}
interface FragmentNode {
  readonly field: false;
  readonly condition: Condition | undefined;
  readonly typeCondition: FiType | undefined;
  readonly selectionSet: ShapeNode[];
  /** typeConditionApplies, memoized by the input's __typename or else by the parent type. */
  readonly byTypename: Map<string, boolean>;
  readonly byParentType: Map<FiType, boolean>;
}
type ShapeNode = FieldNode | FragmentNode;

interface CompiledShape {
  readonly schema: FiSchema;
  readonly rootType: FiType;
  readonly selectionSet: ShapeNode[];
  readonly hasConditions: boolean;
  readonly defaultedVariables: Record<string, unknown>;
}

let enabled = true;

/** Answers shaped by the compiled code, and those it handed back to Apollo's computeResponse (for tests and profiles). */
export const shapingStats = { compiled: 0, gaveUp: 0 };

/** Turns the compiled shaping on (the default) or off (Apollo's own computeResponse for every answer). */
export function useCompiledShaping(on: boolean): void {
  enabled = on;
}

const shapes = new WeakMap<FiOperation, CompiledShape | null>();
/** Operations built by the memoized operationFromDocument: only those are stable enough to compile. */
const memoizedOperations = new WeakSet<FiOperation>();
const operations = new WeakMap<OperationDefinitionNode, { schema: unknown; fragments: readonly unknown[]; operation: FiOperation }[]>();

function compileCondition(schema: FiSchema, element: FiElement, state: { hasConditions: boolean }): Condition | undefined {
  const skip = element.appliedDirectivesOf(schema.skipDirective())[0];
  const include = element.appliedDirectivesOf(schema.includeDirective())[0];
  if (!skip && !include) return undefined;
  state.hasConditions = true;
  const argument = (directive: FiDirective): IfArgument => {
    const value = directive.arguments().if;
    if (value instanceof Variable) return value.name;
    if (typeof value !== 'boolean') throw GIVE_UP;
    return value;
  };
  return { skip: skip ? argument(skip) : undefined, include: include ? argument(include) : undefined };
}

function compileSelectionSet(schema: FiSchema, selectionSet: FiSelectionSet, state: { hasConditions: boolean }): ShapeNode[] {
  return selectionSet.selections().map((selection): ShapeNode => {
    const condition = compileCondition(schema, selection.element, state);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element as FiField;
      const introspection = field.definition.isSchemaIntrospectionField();
      return {
        field: true,
        condition,
        responseName: field.responseName(),
        isTypename: field.name === '__typename',
        introspection: introspection ? selection : undefined,
        type: field.definition.type,
        selectionSet: selection.selectionSet && !introspection ? compileSelectionSet(schema, selection.selectionSet, state) : undefined,
      };
    }
    return {
      field: false,
      condition,
      typeCondition: (selection.element as FiFragment).typeCondition,
      selectionSet: compileSelectionSet(schema, selection.selectionSet!, state),
      byTypename: new Map(),
      byParentType: new Map(),
    };
  });
}

function compile(operation: FiOperation): CompiledShape | null {
  try {
    const schema = operation.schema();
    const rootType = schema.schemaDefinition.rootType(operation.rootKind);
    if (!rootType) return null;
    const state = { hasConditions: false };
    const selectionSet = compileSelectionSet(schema, operation.selectionSet, state);
    return { schema, rootType, selectionSet, hasConditions: state.hasConditions, defaultedVariables: operation.collectDefaultedVariableValues() };
  } catch {
    return null; // anything unexpected: the stock code shapes this operation's answers
  }
}

/** The state of one computeResponse call. */
interface Run {
  readonly schema: FiSchema;
  readonly variables: Record<string, unknown> | null;
  readonly introspectionHandling: (selection: FiSelection) => unknown;
}

function ifValue(argument: IfArgument, run: Run): boolean {
  if (typeof argument === 'boolean') return argument;
  const value = run.variables![argument];
  if (typeof value !== 'boolean') throw GIVE_UP; // the stock code's assertion
  return value;
}

function skipped(condition: Condition, run: Run): boolean {
  return (condition.skip !== undefined && ifValue(condition.skip, run)) || (condition.include !== undefined && !ifValue(condition.include, run));
}

const hasOwn = Object.prototype.hasOwnProperty;

function fragmentApplies(node: FragmentNode, run: Run, typename: unknown, parentType: FiType): boolean {
  const condition = node.typeCondition;
  if (!condition) return true;
  if (typename) {
    let applies = node.byTypename.get(typename as string);
    if (applies === undefined) {
      const type = run.schema.type(typename as string);
      applies = !!type && isSubtype(condition, type);
      node.byTypename.set(typename as string, applies);
    }
    return applies;
  }
  let applies = node.byParentType.get(parentType);
  if (applies === undefined) {
    applies = isSubtype(condition, parentType);
    node.byParentType.set(parentType, applies);
  }
  return applies;
}

/** The stock applySelectionSet, on the ordinary path only (a null bubbling up gives up). */
function applySelectionSet(input: Record<string, unknown>, selectionSet: ShapeNode[], output: Record<string, unknown>, run: Run, parentType: FiType): void {
  for (const node of selectionSet) {
    if (node.condition && skipped(node.condition, run)) continue;
    if (node.field) {
      const responseName = node.responseName;
      const outputValue = output[responseName];
      if (node.introspection) {
        if (outputValue === undefined) output[responseName] = run.introspectionHandling(node.introspection);
        continue;
      }
      let inputValue = (hasOwn.call(input, responseName) ? input[responseName] : undefined) ?? null;
      if (node.isTypename) {
        if (outputValue === undefined) {
          if (inputValue === null && responseName !== '__typename') inputValue = input.__typename ?? null;
          const type = inputValue !== null && typeof inputValue === 'string' ? (run.schema.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) throw GIVE_UP;
          output[responseName] = type.name;
        }
        continue;
      }
      output[responseName] = updateOutputValue(outputValue, node.type, inputValue, node.selectionSet, run, parentType);
    } else {
      const typename = input.__typename;
      if (typename && typeof typename !== 'string') throw GIVE_UP;
      if (fragmentApplies(node, run, typename, parentType)) applySelectionSet(input, node.selectionSet, output, run, node.typeCondition ?? parentType);
    }
  }
}

/** The stock updateOutputValue, returning `updated` only: on the ordinary path nothing is invalid and nothing has errors. */
function updateOutputValue(outputValue: unknown, type: FiType, inputValue: unknown, selectionSet: ShapeNode[] | undefined, run: Run, parentType: FiType): unknown {
  if (inputValue === undefined) throw GIVE_UP;
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) return outputValue;
  if (type.kind === 'NonNullType') {
    const updated = updateOutputValue(outputValue, type.ofType!, inputValue, selectionSet, run, parentType);
    if (updated === null) throw GIVE_UP; // an error at this path, or one bubbling up from below
    return updated;
  }
  if (inputValue === null) return null;
  if (type.kind === 'ListType') {
    if (!Array.isArray(inputValue)) throw GIVE_UP;
    if (outputValue !== undefined && !Array.isArray(outputValue)) throw GIVE_UP;
    const length = inputValue.length;
    if (outputValue !== undefined && (outputValue as unknown[]).length !== length) throw GIVE_UP;
    const itemType = type.ofType!;
    const updated = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      updated[i] = updateOutputValue(outputValue === undefined ? undefined : (outputValue as unknown[])[i], itemType, inputValue[i], selectionSet, run, parentType);
    }
    return updated;
  }
  if (isCompositeType(type)) {
    if (!selectionSet || typeof inputValue !== 'object') throw GIVE_UP;
    if (outputValue !== undefined && typeof outputValue !== 'object') throw GIVE_UP;
    const input = inputValue as Record<string, unknown>;
    const inputTypename = input.__typename;
    if (inputTypename !== undefined && typeof inputTypename !== 'string') throw GIVE_UP;
    let objectType = type;
    if (inputTypename) {
      const typenameType = run.schema.type(inputTypename);
      if (!typenameType || !isCompositeType(typenameType)) throw GIVE_UP;
      objectType = typenameType;
    }
    const output = outputValue === undefined ? (Object.create(null) as Record<string, unknown>) : (outputValue as Record<string, unknown>);
    applySelectionSet(input, selectionSet, output, run, objectType);
    return output;
  }
  if (outputValue !== undefined) throw GIVE_UP;
  if (!isValidLeafValue(run.schema, inputValue, type)) throw GIVE_UP;
  return inputValue;
}

const computeResponse: ComputeResponse = (args) => {
  if (!enabled || !args.input || !memoizedOperations.has(args.operation)) return stockComputeResponse(args);
  let shape = shapes.get(args.operation);
  if (shape === undefined) {
    shape = compile(args.operation);
    shapes.set(args.operation, shape);
  }
  if (!shape) return stockComputeResponse(args);
  const run: Run = {
    schema: shape.schema,
    variables: shape.hasConditions ? { __proto__: null, ...shape.defaultedVariables, ...args.variables } : null,
    introspectionHandling: args.introspectionHandling,
  };
  const data = Object.create(null) as Record<string, unknown>;
  try {
    applySelectionSet(args.input, shape.selectionSet, data, run, shape.rootType);
  } catch {
    // GIVE_UP, or anything else (an introspection query that threw): the stock code decides.
    shapingStats.gaveUp++;
    return stockComputeResponse(args);
  }
  shapingStats.compiled++;
  return { data, errors: [] };
};

function operationFromDocument(schema: unknown, document: DocumentNode, options?: { operationName?: string; validate?: boolean }): FiOperation {
  const [first, ...fragments] = document.definitions;
  if (!enabled || options?.validate !== false || options.operationName !== undefined || first?.kind !== 'OperationDefinition') {
    return stockOperationFromDocument(schema, document, options);
  }
  const entries = operations.get(first) ?? [];
  const same = (entry: { schema: unknown; fragments: readonly unknown[] }) =>
    entry.schema === schema && entry.fragments.length === fragments.length && entry.fragments.every((fragment, i) => fragment === fragments[i]);
  const found = entries.find(same);
  if (found) return found.operation;
  const operation = stockOperationFromDocument(schema, document, options);
  // A schema change leaves the older entries unreachable by `same`; keep the list short.
  if (entries.length >= 4) entries.shift();
  entries.push({ schema, fragments, operation });
  operations.set(first, entries);
  memoizedOperations.add(operation);
  return operation;
}

// Both exports are plain writable properties when @apollo/gateway 2.14.4 runs over the flat copy;
// otherwise (a getter left in place) nothing is patched and every answer is shaped by Apollo.
const writable = (target: object, name: string) => Object.getOwnPropertyDescriptor(target, name)?.writable === true;
export const installed = writable(resultShaping, 'computeResponse') && writable(internals, 'operationFromDocument');
if (installed) {
  resultShaping.computeResponse = computeResponse;
  internals.operationFromDocument = operationFromDocument;
}

/** For the comparison test: the stock function, whatever the setting. */
export const stockShaping = { computeResponse: stockComputeResponse, operationFromDocument: stockOperationFromDocument };
