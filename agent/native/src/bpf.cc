// BPF program lifecycle (placeholder until the traffic issue lands).
#include "addon.h"
void RegisterBpf(Napi::Env env, Napi::Object exports) {}
