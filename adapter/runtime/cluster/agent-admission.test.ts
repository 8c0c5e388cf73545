import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { admissionFix, admissionRefusal } from './agent-admission.js';

const apiError = (code: number, message: string) => new ApiException(code, 'refused', { kind: 'Status', message }, {});

describe('admission refusals of the agent pod', () => {
  it('names the fix for Pod Security, a quota and a webhook', () => {
    expect(admissionFix('pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)')).toMatch(/ephemeral/);
    expect(admissionFix('pods "x" is forbidden: exceeded quota: pods-max, requested: pods=1, used: pods=2, limited: pods=2')).toMatch(/ResourceQuota.*ephemeral/);
    expect(admissionFix('admission webhook "deny.example.com" denied the request: no debug agents')).toMatch(/webhook's owner.*ephemeral/);
  });

  it('keeps the API\'s reason, and leaves plain RBAC refusals alone', () => {
    const refusal = admissionRefusal(apiError(403, 'pods "a" is forbidden: exceeded quota: q, requested: pods=1'), 'the node agent pod is not allowed in namespace ns');
    expect(refusal).toMatchObject({ code: 'FORBIDDEN', statusCode: 403 });
    expect(refusal?.message).toMatch(/^the node agent pod is not allowed in namespace ns: pods "a" is forbidden: exceeded quota: q.* — ask/);
    expect(admissionRefusal(apiError(403, 'pods is forbidden: User "u" cannot create resource "pods"'), 'x')).toBeUndefined();
  });
});
