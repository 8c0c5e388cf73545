import { describe, expect, it } from 'vitest';
import { traceUnavailable, validateGadgets } from './ebpf-trace-service.js';
import { traceLoadError } from './trace-program.js';

const status = (capEff: string): string => `Name:\tnode\nCapEff:\t${capEff}\n`;

describe('trace availability and requests', () => {
  it('names the missing capability, then a missing BTF, else allows', () => {
    expect(traceUnavailable(status('0000000000000000'), true)).toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringContaining('lacks CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN') });
    expect(traceUnavailable(status('000000c000001000'), true)).toBeUndefined(); // BPF + PERFMON + NET_ADMIN
    expect(traceUnavailable(status('0000000000201000'), true)).toBeUndefined(); // SYS_ADMIN covers BPF and PERFMON
    expect(traceUnavailable(status('0000008000001000'), true)).toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringContaining('lacks CAP_PERFMON') });
    expect(traceUnavailable(status('000001fffeffffff'), false)).toMatchObject({ code: 'KERNEL_UNSUPPORTED', message: expect.stringContaining('no BTF') });
  });

  it('refuses unknown gadgets listing the known ones, and an empty request; deduplicates', () => {
    expect(() => validateGadgets(['tcp', 'syscall'])).toThrow(expect.objectContaining({ code: 'UNKNOWN_GADGET', message: 'trace: unknown gadget "syscall" (known: tcp, dns, exec, open)' }));
    expect(() => validateGadgets([])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(validateGadgets(['dns', 'tcp', 'dns'])).toEqual(['dns', 'tcp']);
  });

  it('maps a missing hook to KERNEL_UNSUPPORTED naming it, EPERM to PERMISSION_DENIED', () => {
    const hook = Object.assign(new Error('the kernel lacks the hook raw_tp/inet_sock_set_state needed by the tcp gadget'), { code: 'ENOSYS' });
    expect(traceLoadError(hook, ['tcp'])).toMatchObject({ code: 'KERNEL_UNSUPPORTED', message: 'trace tcp: the kernel lacks the hook raw_tp/inet_sock_set_state needed by the tcp gadget' });
    expect(traceLoadError(Object.assign(new Error('load km_trace programs: Operation not permitted'), { code: 'EPERM' }), ['open'])).toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
