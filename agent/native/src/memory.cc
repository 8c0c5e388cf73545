// Handing memory back to the OS once bulk traffic is over (agent/src/memory-release.ts): after a
// full collection freed the relayed chunks, glibc keeps the freed blocks in its heaps; trimHeap()
// returns the free pages of every malloc arena with malloc_trim.
#include "addon.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// Returns whether any memory was released (always false without glibc).
static Napi::Value TrimHeap(const Napi::CallbackInfo &info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

void RegisterMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("trimHeap", Napi::Function::New(env, TrimHeap));
}
