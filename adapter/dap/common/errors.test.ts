import { describe, expect, it } from 'vitest';
import { ClusterError } from '#runtime/cluster/errors.js';
import { KmErrorCode, type KmErrorCodeName } from '#proto/runtime/km-error.js';
import { TunnelError } from '#proto/runtime/errors.js';
import { TargetError } from '#proto/runtime/target.js';
import { ERROR_CODES } from '#proto/runtime/types.js';
import { BackendError, DapError, DapErrorCode, isDapError, reportAs, withTimeout } from './errors.js';

const clusterCodes = Object.keys(KmErrorCode.cluster) as KmErrorCodeName<'cluster'>[];

describe('DapError', () => {
  it('has unique codes', () => {
    const codes = Object.values(DapErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
  });
  it('keeps the DAP ids clients already know', () => {
    expect(DapErrorCode).toEqual({
      INTERNAL: 5000, UNKNOWN_COMMAND: 5001, BAD_REQUEST: 5002, BAD_LAUNCH_FIELD: 5003, DEBUGGER_NOT_FOUND: 5004,
      NO_BACKEND: 5005, WRONG_STATE: 5006, BACKEND_FAILED: 5007, BACKEND_EXITED: 5008, TARGET_UNREACHABLE: 5009,
      TIMEOUT: 5010, NOT_SUPPORTED: 5011,
    });
  });
  it('is recognised by brand and maps to its numeric id', () => {
    const e = new DapError('BAD_LAUNCH_FIELD', 'x');
    expect(isDapError(e)).toBe(true);
    expect(isDapError(new Error('x'))).toBe(false);
    expect(e.id).toBe(5003);
    expect(isDapError(new BackendError('no such variable'))).toBe(true);
    expect(new BackendError('no such variable').id).toBe(5007);
  });
  it('withTimeout rejects with TIMEOUT', async () => {
    await expect(withTimeout(new Promise(() => {}), 10, 'op')).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('reportAs: a target that cannot be reached', () => {
  const unreachable = (cause: unknown) => reportAs('TARGET_UNREACHABLE', `cannot reach target pod/web: ${(cause as Error).message}`, cause);

  it('gives every cluster error code its own DAP id, apart from the DAP server ids', () => {
    const ids = clusterCodes.map((code) => unreachable(new ClusterError(code, 'x')).id);
    expect(new Set(ids).size).toBe(clusterCodes.length);
    for (const id of ids) expect(Object.values(DapErrorCode)).not.toContain(id);
    expect(unreachable(new ClusterError('NOT_FOUND', 'x')).id).toBe(KmErrorCode.cluster.NOT_FOUND);
  });

  it('gives every tunnel error code its own DAP id', () => {
    const ids = ERROR_CODES.map((code) => unreachable(new TunnelError(code, 'x')).id);
    expect(new Set([...ids, ...clusterCodes.map((c) => KmErrorCode.cluster[c])]).size).toBe(ids.length + clusterCodes.length);
  });

  it('gives a misspelt target its own DAP id', () => {
    expect(unreachable(new TargetError('bad target "pdo/web"')).id).toBe(KmErrorCode.target.INVALID_TARGET);
  });

  it('keeps the user-facing text and the error underneath', () => {
    const cause = new ClusterError('FORBIDDEN', 'create pods/exec in namespace shop: forbidden', { statusCode: 403 });
    const e = unreachable(cause);
    expect(isDapError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'TARGET_UNREACHABLE', message: 'cannot reach target pod/web: create pods/exec in namespace shop: forbidden', cause });
  });

  it('reports anything else as TARGET_UNREACHABLE', () => {
    expect(unreachable(new Error('ENOENT')).id).toBe(5009);
    expect(unreachable(new DapError('TIMEOUT', 'connecting to target pod/web: no answer within 30000 ms')).id).toBe(5009);
  });
});
