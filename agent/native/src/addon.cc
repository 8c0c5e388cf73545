// Module entry: wires each concern's functions into the exports object.
#include "addon.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterNetns(env, exports);
  RegisterBpf(env, exports);
  RegisterMemory(env, exports);
  RegisterLinger(env, exports);
  return exports;
}

NODE_API_MODULE(kmirror_agent, Init)
