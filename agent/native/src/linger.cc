// SO_LINGER on the agent's sockets toward the target (agent/src/netns/reset-on-death.ts): {on, 0}
// makes the kernel reset (RST) the connection when the fd is closed — also when the agent dies
// with kill -9 — so the far side never reads a clean end after a truncated stream; off again
// before an orderly end, so close() sends FIN after every queued byte.
#include "addon.h"
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

// setLinger(fd, abortive): throws with the errno name on failure.
static Napi::Value SetLinger(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) {
    Napi::TypeError::New(env, "setLinger: expected (fd, abortive)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  linger l{};
  l.l_onoff = info[1].ToBoolean().Value() ? 1 : 0;
  l.l_linger = 0;
  if (setsockopt(info[0].ToNumber().Int32Value(), SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0) {
    int err = errno;
    Napi::Error e = Napi::Error::New(env, std::string("setsockopt SO_LINGER: ") + strerror(err));
    const char *name = strerrorname_np(err);
    e.Set("code", name ? name : "EUNKNOWN");
    e.ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

void RegisterLinger(Napi::Env env, Napi::Object exports) {
  exports.Set("setLinger", Napi::Function::New(env, SetLinger));
}
