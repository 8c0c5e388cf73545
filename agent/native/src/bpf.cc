// BPF program lifecycle: registers the steal (sk_lookup), mirror (tcx + ring buffer) and trace functions
// and closes everything when the Node environment goes away. Nothing is ever pinned, so all
// programs, maps and links also die with the process (crash safety by construction).
#include "addon.h"
#include "bpf_util.h"

static void CloseAllBpf(void *) {
  km::CloseAllTrace();
  km::CloseAllMirror();
  km::CloseAllSteal();
}

void RegisterBpf(Napi::Env env, Napi::Object exports) {
  km::RegisterBpfSteal(env, exports);
  km::RegisterBpfMirror(env, exports);
  km::RegisterBpfTrace(env, exports);
  napi_add_env_cleanup_hook(env, CloseAllBpf, nullptr);
}
