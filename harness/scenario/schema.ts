// The JSON Schema (draft-07) of a format-1 scenario document: the machine-readable half of the
// public contract (docs/scenario-format.md is the prose half). schema.json beside this file is
// generated from SCENARIO_SCHEMA and kept identical by schema.test.ts, so the package ships a plain
// JSON file for other tools while the harness needs no file I/O to validate.
import { CPU_FEATURES } from '../../mmus/backend.js';
import { SCENARIO_FORMAT } from './scenario.js';

/** "0x" and 1 to 16 hex digits: every 64-bit quantity (addresses, values, sizes). */
export const HEX64_PATTERN = '^0x[0-9a-fA-F]{1,16}$';

export const OP_KINDS = ['write', 'read', 'access', 'gva_to_gpa', 'set', 'invlpg', 'invpcid', 'memslot', 'check'] as const;
export const MEMSLOT_ACTIONS = ['add', 'delete', 'move', 'flags'] as const;
export const REGS = ['cr0', 'cr3', 'cr4', 'efer', 'pkru', 'rflags'] as const;
export const ACCESS_KINDS = ['read', 'write', 'fetch'] as const;
export const MEMSLOT_FLAGS = ['readonly', 'dirty_log'] as const;
export const TDP_KINDS = ['ept', 'npt', 'none'] as const;
export const ACCESS_SIZES = [1, 2, 4, 8] as const;

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });

/** An op variant: a closed object whose `op` is the discriminating constant. */
function opSchema(op: string, description: string, fields: Record<string, object>, required: string[]) {
  return {
    description,
    type: 'object',
    required: ['op', ...required],
    additionalProperties: false,
    properties: { op: { const: op }, ...fields },
  };
}

/** A memslot op variant, discriminated a second time on `action`. */
function memslotSchema(action: string, description: string, fields: Record<string, object>, required: string[]) {
  return {
    description,
    type: 'object',
    required: ['op', 'action', 'slot', ...required],
    additionalProperties: false,
    properties: { op: { const: 'memslot' }, action: { const: action }, slot: ref('slot'), ...fields },
  };
}

const translate = {
  gva: ref('hex64'),
  kind: ref('access_kind'),
  cpl: ref('cpl'),
  implicit: {
    description: 'Implicit supervisor access (descriptor tables and the like); default false.',
    type: 'boolean',
  },
};

export const SCENARIO_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:mmufuzz:scenario:1',
  title: 'mmufuzz scenario, format 1',
  description:
    'A sequence of guest paging operations run on every MMU backend. 64-bit quantities are hex ' +
    'strings, small integers are numbers. See docs/scenario-format.md and docs/model-contract.md.',
  type: 'object',
  required: ['format', 'config', 'ops'],
  additionalProperties: false,
  properties: {
    format: { description: 'Format and version; a reader refuses formats it does not know.', const: SCENARIO_FORMAT },
    name: { type: 'string' },
    description: { type: 'string' },
    config: ref('config'),
    ops: { type: 'array', items: ref('op') },
  },
  definitions: {
    hex64: { type: 'string', pattern: HEX64_PATTERN },
    cpl: { type: 'integer', minimum: 0, maximum: 3 },
    slot: { type: 'integer', minimum: 0, maximum: 32767 },
    access_kind: { enum: [...ACCESS_KINDS] },
    access_size: { enum: [...ACCESS_SIZES] },
    slot_flags: {
      description: 'Memslot flags; default none.',
      type: 'array',
      items: { enum: [...MEMSLOT_FLAGS] },
      uniqueItems: true,
    },
    config: {
      type: 'object',
      required: ['cpu', 'host', 'memslots'],
      additionalProperties: false,
      properties: {
        cpu: {
          type: 'object',
          required: ['maxphyaddr', 'features'],
          additionalProperties: false,
          properties: {
            maxphyaddr: { description: 'Guest MAXPHYADDR.', type: 'integer', minimum: 36, maximum: 52 },
            features: {
              description: 'Guest CPUID features that matter to the MMU; absent = not present.',
              type: 'array',
              items: { enum: [...CPU_FEATURES] },
              uniqueItems: true,
            },
          },
        },
        host: {
          type: 'object',
          required: ['tdp'],
          additionalProperties: false,
          properties: {
            tdp: {
              description: 'ept = Intel host, npt = AMD host, none = shadow paging (an Intel host without EPT).',
              enum: [...TDP_KINDS],
            },
            ept_ad: {
              description: 'EPT accessed/dirty bits; default true (false or absent with tdp none).',
              type: 'boolean',
            },
            mbec: { description: 'EPT mode-based execute control; default false.', type: 'boolean' },
          },
        },
        memslots: { type: 'array', items: ref('memslot') },
      },
    },
    memslot: {
      type: 'object',
      required: ['slot', 'gpa', 'size'],
      additionalProperties: false,
      properties: { slot: ref('slot'), gpa: ref('hex64'), size: ref('hex64'), flags: ref('slot_flags') },
    },
    op: {
      type: 'object',
      required: ['op'],
      properties: { op: { enum: [...OP_KINDS] } },
      discriminator: { propertyName: 'op' },
      oneOf: OP_KINDS.map((k) => ref(`op_${k}`)),
    },
    op_write: opSchema(
      'write',
      'A guest store to guest-physical memory.',
      { gpa: ref('hex64'), value: ref('hex64'), size: ref('access_size') },
      ['gpa', 'value', 'size'],
    ),
    op_read: opSchema(
      'read',
      'Reads guest-physical memory; changes nothing.',
      { gpa: ref('hex64'), size: ref('access_size') },
      ['gpa', 'size'],
    ),
    op_access: opSchema('access', 'A guest memory access through the current translation.', translate, [
      'gva',
      'kind',
      'cpl',
    ]),
    op_gva_to_gpa: opSchema('gva_to_gpa', "The emulator's translation path (no SPTE is built).", translate, [
      'gva',
      'kind',
      'cpl',
    ]),
    op_set: opSchema(
      'set',
      'A register write with the architectural checks.',
      { reg: { enum: [...REGS] }, value: ref('hex64') },
      ['reg', 'value'],
    ),
    op_invlpg: opSchema('invlpg', 'INVLPG of one guest-virtual address.', { gva: ref('hex64') }, ['gva']),
    op_invpcid: opSchema(
      'invpcid',
      'INVPCID; types above 3 and PCIDs above 0xfff are expressible so that the #GP cases are.',
      {
        type: { type: 'integer', minimum: 0, maximum: 255 },
        pcid: { type: 'integer', minimum: 0, maximum: 0xffffffff },
        gva: ref('hex64'),
      },
      ['type', 'pcid', 'gva'],
    ),
    op_check: opSchema(
      'check',
      "Deep check: the kvm backends report a canonical digest of their MMU's page tables.",
      {},
      [],
    ),
    op_memslot: {
      description: 'A memslot change, as KVM_SET_USER_MEMORY_REGION would make it.',
      type: 'object',
      required: ['op', 'action'],
      properties: { op: { const: 'memslot' }, action: { enum: [...MEMSLOT_ACTIONS] } },
      discriminator: { propertyName: 'action' },
      oneOf: MEMSLOT_ACTIONS.map((a) => ref(`op_memslot_${a}`)),
    },
    op_memslot_add: memslotSchema(
      'add',
      'Add a slot (KVM may refuse it: outcome rejected).',
      { gpa: ref('hex64'), size: ref('hex64'), flags: ref('slot_flags') },
      ['gpa', 'size'],
    ),
    op_memslot_delete: memslotSchema('delete', 'Delete a slot and zap its mappings.', {}, []),
    op_memslot_move: memslotSchema('move', 'Move a slot to a new base, keeping its contents.', { gpa: ref('hex64') }, [
      'gpa',
    ]),
    op_memslot_flags: memslotSchema('flags', "Change a slot's flags (only dirty_log may change).", {
      flags: ref('slot_flags'),
    }, ['flags']),
  },
};
