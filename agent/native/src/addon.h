// Registration hooks: each src/*.cc concern adds its functions to the module's exports.
#pragma once
#include <napi.h>

void RegisterNetns(Napi::Env env, Napi::Object exports);
void RegisterBpf(Napi::Env env, Napi::Object exports);
void RegisterMemory(Napi::Env env, Napi::Object exports);
void RegisterLinger(Napi::Env env, Napi::Object exports);
