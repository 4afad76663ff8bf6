import { describe, expect, it } from 'vitest';
import { u64 } from '../../mmus/x86/u64.js';
import { parseScenario } from './parse.js';
import { renderObservation, renderOp, renderScenario } from './print.js';

const SCENARIO = {
  format: 'mmufuzz.scenario/1',
  name: 'smep-user-page',
  description: 'A supervisor fetch from a user page faults with SMEP.',
  config: {
    cpu: { maxphyaddr: 46, features: ['smep', 'nx'] },
    host: { tdp: 'ept' },
    memslots: [
      { slot: 0, gpa: '0x0', size: '0x400000' },
      { slot: 1, gpa: '0x800000', size: '0x1000', flags: ['dirty_log'] },
    ],
  },
  ops: [
    { op: 'write', gpa: '0x1000', value: '0x2027', size: 8 },
    { op: 'write', gpa: '0x2000', value: '0x8000000000003067', size: 8 },
    { op: 'write', gpa: '0x3000', value: '0x7808000000004e87', size: 8 },
    { op: 'write', gpa: '0x3004', value: '0x80000000', size: 4 },
    { op: 'write', gpa: '0x3008', value: '0x0', size: 8 },
    { op: 'write', gpa: '0x3010', value: '0x5', size: 2 },
    { op: 'set', reg: 'cr3', value: '0x1000' },
    { op: 'set', reg: 'cr4', value: '0x100020' },
    { op: 'set', reg: 'efer', value: '0x900' },
    { op: 'set', reg: 'cr0', value: '0x80010001' },
    { op: 'set', reg: 'rflags', value: '0x40002' },
    { op: 'set', reg: 'pkru', value: '0x1c' },
    { op: 'set', reg: 'cr0', value: '0x100000080000001' },
    { op: 'access', gva: '0x400000', kind: 'fetch', cpl: 0 },
    { op: 'access', gva: '0x400000', kind: 'read', cpl: 3, implicit: true },
    { op: 'gva_to_gpa', gva: '0xffff800000000000', kind: 'write', cpl: 0 },
    { op: 'read', gpa: '0x1000', size: 8 },
    { op: 'invlpg', gva: '0x400000' },
    { op: 'invpcid', type: 0, pcid: 1, gva: '0x400000' },
    { op: 'memslot', action: 'add', slot: 2, gpa: '0x1000000', size: '0x2000', flags: ['readonly'] },
    { op: 'memslot', action: 'move', slot: 2, gpa: '0x2000000' },
    { op: 'memslot', action: 'flags', slot: 1, flags: [] },
    { op: 'memslot', action: 'delete', slot: 2 },
  ],
};

const RENDERED = `scenario "smep-user-page"
  A supervisor fetch from a user page faults with SMEP.
format mmufuzz.scenario/1
cpu: maxphyaddr=46 features=nx,smep
host: tdp=ept ept_ad=true mbec=false
memslot 0: [0x0, 0x400000)
memslot 1: [0x800000, 0x801000) dirty_log
ops: 23
   0  write 0x1000 <- 0x2027 (8)  ; P RW US A frame=0x2000
   1  write 0x2000 <- 0x8000000000003067 (8)  ; P RW US A D frame=0x3000 NX
   2  write 0x3000 <- 0x7808000000004e87 (8)  ; P RW US PS frame=0x4000 pkey=15 avl[9,10,11] rsvd?[51]
   3  write 0x3004 <- 0x80000000 (4)  ; !P frame=0x80000000 | as high half: NX
   4  write 0x3008 <- 0x0 (8)  ; empty
   5  write 0x3010 <- 0x5 (2)
   6  set cr3 = 0x1000
   7  set cr4 = 0x100020 (PAE SMEP)
   8  set efer = 0x900 (LME NXE)
   9  set cr0 = 0x80010001 (PE WP PG)
  10  set rflags = 0x40002 (AC)
  11  set pkru = 0x1c (k1:AD,WD k2:AD)
  12  set cr0 = 0x100000080000001 (PE PG rsvd?[56])
  13  access fetch gva=0x400000 cpl=0
  14  access read gva=0x400000 cpl=3 implicit
  15  gva_to_gpa write gva=0xffff800000000000 cpl=0
  16  read 0x1000 (8)
  17  invlpg gva=0x400000
  18  invpcid type=0 pcid=1 gva=0x400000
  19  memslot add 2 gpa=0x1000000 size=0x2000 flags=readonly
  20  memslot move 2 gpa=0x2000000
  21  memslot flags 1 flags=(none)
  22  memslot delete 2`;

describe('renderScenario', () => {
  it('prints the config and one numbered, decoded line per op', () => {
    expect(renderScenario(parseScenario(SCENARIO, 'x.json'))).toBe(RENDERED);
  });
});

describe('renderOp', () => {
  it('treats bits up to 51 as frame bits unless told maxphyaddr', () => {
    const op = { op: 'write', gpa: 0x1000, value: u64(0x2003, 0x80000), size: 8 } as const;
    expect(renderOp(op)).toBe('write 0x1000 <- 0x8000000002003 (8)  ; P RW frame=0x8000000002000');
    expect(renderOp(op, { maxphyaddr: 40 })).toBe('write 0x1000 <- 0x8000000002003 (8)  ; P RW frame=0x2000 rsvd?[51]');
  });

  it('decodes the remaining register bits', () => {
    expect(renderOp({ op: 'set', reg: 'cr4', value: u64(0x7700a0) })).toBe(
      'set cr4 = 0x7700a0 (PAE PGE FSGSBASE PCIDE OSXSAVE SMEP SMAP PKE)',
    );
    expect(renderOp({ op: 'set', reg: 'cr3', value: u64(0x1005, 0x80000000) })).toBe(
      'set cr3 = 0x8000000000001005 (low12=0x5 bit63)',
    );
    expect(renderOp({ op: 'set', reg: 'efer', value: u64(0x10d01) })).toBe('set efer = 0x10d01 (SCE LME LMA NXE rsvd?[16])');
    expect(renderOp({ op: 'set', reg: 'rflags', value: u64(0x3202) })).toBe('set rflags = 0x3202 (IF IOPL=3)');
  });
});

describe('renderObservation', () => {
  it('prints the outcome, its fields and the events on one line', () => {
    expect(
      renderObservation({
        outcome: 'ok',
        gpa: 0x4000,
        hpa: 0x100004000,
        level: 1,
        events: [
          { type: 'set_ad', gpa: 0x3000, value: u64(0x4ea7, 0x78080000) },
          { type: 'map', gfn: 4, level: 1, spte: u64(0x4777, 0x80000001) },
          { type: 'zap', gfn: 5, level: 1, role: 0x16f01, reason: 'memslot' },
          { type: 'wrprot', gfn: 6, level: 1 },
          { type: 'dirty', gfn: 7 },
          { type: 'flush', scope: 'gva', gva: u64(0x400000) },
          { type: 'flush', scope: 'guest' },
        ],
      }),
    ).toBe(
      'ok gpa=0x4000 hpa=0x100004000 level=1 | set_ad gpa=0x3000 value=0x7808000000004ea7, ' +
        'map gfn=0x4 level=1 spte=0x8000000100004777, ' +
        'zap gfn=0x5 level=1 role=0x16f01 (level 1, access RWUX, nx, wp, ad_disabled) reason=memslot, ' +
        'wrprot gfn=0x6 level=1, dirty gfn=0x7, flush gva gva=0x400000, flush guest',
    );
    expect(renderObservation({ outcome: 'page_fault', errorCode: 0x11, address: u64(0x400000), to: 'L1', events: [] })).toBe(
      'page_fault error_code=0x11 address=0x400000 to=L1',
    );
    expect(renderObservation({ outcome: 'ok', value: u64(0x27), events: [] })).toBe('ok value=0x27');
  });
});

describe('shadow paging in the text form', () => {
  it('prints check, the shadow events with decoded roles, and a digest as an indented block', () => {
    expect(renderOp({ op: 'check' })).toBe('check');
    const o = {
      outcome: 'ok' as const,
      events: [
        { type: 'sp' as const, gfn: 0x3, level: 1, role: 0x2f81 },
        { type: 'zap_sp' as const, gfn: 0x4, level: 2, role: 0x6e32, reason: 'flood' as const },
        { type: 'unsync' as const, gfn: 0x5, role: 0x6f01 },
        { type: 'sync' as const, gfn: 0x5, role: 0x6f01 },
        { type: 'mmio_spte' as const, gfn: 0xfee00 },
        { type: 'zap' as const, gfn: 0x6, level: 1, role: 0x6f01, reason: 'pte_write' as const },
      ],
      digest: 'root 0 gfn=0x1 role=0x6f04\nsp gfn=0x1 level=4 role=0x6f04 unsync=0\n  0 -> sp gfn=0x2 level=3 role=0x6f03',
    };
    expect(renderObservation(o)).toBe(
      [
        'ok | sp gfn=0x3 level=1 role=0x2f81 (level 1, direct, access RWUX, nx), ' +
          'zap_sp gfn=0x4 level=2 role=0x6e32 (level 2, quadrant 1, gpte4, access WUX, nx, wp) reason=flood, ' +
          'unsync gfn=0x5 role=0x6f01 (level 1, access RWUX, nx, wp), sync gfn=0x5 role=0x6f01 (level 1, access RWUX, nx, wp), ' +
          'mmio_spte gfn=0xfee00, zap gfn=0x6 level=1 role=0x6f01 (level 1, access RWUX, nx, wp) reason=pte_write',
        '    digest:',
        '      root 0 gfn=0x1 role=0x6f04',
        '      sp gfn=0x1 level=4 role=0x6f04 unsync=0',
        '        0 -> sp gfn=0x2 level=3 role=0x6f03',
      ].join('\n'),
    );
    expect(renderObservation(o, { digest: 'summary' }).split('\n')).toHaveLength(1);
    expect(renderObservation({ outcome: 'ok', events: [], digest: 'root none' }, { digest: 'summary' })).toBe('ok digest=1 lines');
  });
});
