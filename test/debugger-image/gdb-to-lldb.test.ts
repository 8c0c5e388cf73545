// debugger/gdb-to-lldb (the debugger image's `gdb` for debugpy's injector): the gdb command line debugpy builds is
// turned into lldb `expr` calls, and DoAttach's code is moved to a new thread of the target. Pure logic, run with the
// machine's python3 (the real injection is tested in test/e2e/remote-attach-python.e2e.test.ts).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../debugger/gdb-to-lldb', import.meta.url));

function callPython(fn: 'calls_of' | 'in_a_thread', arg: unknown): unknown {
  const code = `import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader('gdb_to_lldb', sys.argv[1])
spec = importlib.util.spec_from_loader('gdb_to_lldb', loader)
m = importlib.util.module_from_spec(spec); loader.exec_module(m)
print(json.dumps(getattr(m, sys.argv[2])(json.loads(sys.argv[3]))))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, SCRIPT, fn, JSON.stringify(arg)], { encoding: 'utf8' }));
}

// What debugpy 1.8's run_python_code_linux_gdb passes, after /bin/sh removed the single quotes.
const SO = '/tmp/kmirror-debugpy-0a1b2c3d/debugpy/_vendored/pydevd/pydevd_attach_to_process/attach_linux_amd64.so';
const CODE = 'import codecs;import sys;sys.path.insert(0, decode([47]));import attach_pid_injected;attach_pid_injected.attach(setup);';
const GDB_ARGV = ['--nw', '--nh', '--nx', '--pid', '7', '--batch', '--eval-command=set scheduler-locking off', '--eval-command=set architecture auto',
  `--eval-command=call (void*)dlopen("${SO}", 2)`, '--eval-command=call (char*)dlerror()', '--eval-command=sharedlibrary attach_linux_amd64',
  `--eval-command=call (int)DoAttach(0, "${CODE}", 0)`];

describe('gdb-to-lldb', () => {
  it('keeps the pid and the calls of debugpy\'s gdb command line, in order, dropping gdb-only settings', () => {
    expect(callPython('calls_of', GDB_ARGV)).toEqual(['7', [`(void*)dlopen("${SO}", 2)`, '(char*)dlerror()', `(int)DoAttach(0, "${CODE}", 0)`]]);
    expect(callPython('calls_of', ['-p', '9', '-ex', 'call (int)f()'])).toEqual(['9', ['(int)f()']]);
  });

  it('runs DoAttach\'s code from a new thread of the target (a vfork inside an lldb call would end it early)', () => {
    const wrapped = callPython('in_a_thread', `(int)DoAttach(0, "${CODE}", 0)`) as string;
    expect(wrapped).toBe(`(int)DoAttach(0, "import threading;threading.Thread(target=exec,args=('${CODE}',{'__name__':'kmirror_debugpy_attach'}),name='kmirror-debugpy-attach',daemon=True).start()", 0)`);
    expect(callPython('in_a_thread', '(char*)dlerror()')).toBe('(char*)dlerror()');
  });
});
