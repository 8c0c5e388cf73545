// km_trace lifecycle (ebpf/trace): load only the programs of the requested gadgets, scope them to
// the target's network namespace (km_trace_ns) and attach them — raw tracepoint links from any
// thread, the dns tcx links on a helper thread inside the namespace — then drain the ring buffer
// on a native thread (bpf_ring_reader.h). Nothing is pinned: closing the handle, or the
// agent dying, detaches everything.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <vector>

#include "../../../ebpf/trace/trace.h"
#include "bpf_ring_reader.h"
#include "bpf_util.h"

namespace km {
namespace {

constexpr size_t kMaxPendingBytes = 16u << 20;

struct GadgetPrograms {
  const char *gadget;
  std::vector<const char *> programs;
};
const GadgetPrograms kGadgets[] = {
    // Same order as enum km_trace_gadget (bit i of km_trace_cfg).
    {"tcp", {"km_trace_tcpst", "km_trace_sysout"}},
    {"dns", {"km_trace_dns_in", "km_trace_dns_eg"}},
    {"exec", {"km_trace_exec"}},
    {"open", {"km_trace_sysin", "km_trace_sysout"}},
};

struct Trace {
  bpf_object *obj = nullptr;
  std::vector<bpf_link *> links;
  TcxLinks dns_in, dns_eg;
  int drop_fd = -1;
  std::string netns;
  std::unique_ptr<RingReader> reader;

  ~Trace() {
    if (reader) reader->Stop();
    for (bpf_link *l : links) bpf_link__destroy(l);
    dns_in.DetachAll();
    dns_eg.DetachAll();
    reader.reset();
    if (obj) bpf_object__close(obj);
  }
};

Registry<Trace> g_traces;

// "raw_tp/inet_sock_set_state" -> the kernel must have that tracepoint (its btf_trace_<name>
// typedef in the kernel's BTF); checked before loading so the error names the hook instead of
// libbpf's generic load failure.
bool CheckHook(bpf_program *prog, const char *gadget, btf *vmlinux, Failure &f) {
  std::string sec = bpf_program__section_name(prog);
  const std::string prefix = "raw_tp/";
  if (sec.compare(0, prefix.size(), prefix) != 0) return true;  // tcx: no kernel hook to look up
  std::string name = "btf_trace_" + sec.substr(prefix.size());
  if (btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_TYPEDEF) < 0) {
    f = MakeFailure("the kernel lacks the hook " + sec + " needed by the " + gadget + " gadget", ENOSYS);
    return false;
  }
  return true;
}

bool LoadTrace(Trace &t, const std::string &objPath, const std::set<std::string> &gadgets, Failure &f) {
  t.obj = bpf_object__open_file(objPath.c_str(), nullptr);
  if (!t.obj) { f = MakeFailure("open BPF object " + objPath, errno); return false; }
  btf *vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) { f = MakeFailure("the kernel has no BTF (/sys/kernel/btf/vmlinux): the trace gadgets need it", ENOSYS); return false; }
  std::unique_ptr<btf, void (*)(btf *)> vmlinuxOwner(vmlinux, btf__free);
  bpf_program *prog;
  bpf_object__for_each_program(prog, t.obj) bpf_program__set_autoload(prog, false);
  uint32_t mask = 0;
  for (uint32_t i = 0; i < KM_TRACE_NGADGETS; i++) {
    const auto &g = kGadgets[i];
    if (!gadgets.count(g.gadget)) continue;
    mask |= 1u << i;
    for (const char *name : g.programs) {
      prog = bpf_object__find_program_by_name(t.obj, name);
      if (!prog) { f = MakeFailure(std::string("program ") + name + " missing in " + objPath, 0); return false; }
      if (!CheckHook(prog, g.gadget, vmlinux, f)) return false;
      bpf_program__set_autoload(prog, true);
    }
  }
  int err = bpf_object__load(t.obj);
  if (err) { f = MakeFailure("load km_trace programs (" + objPath + ")", -err); return false; }
  bpf_map *ns = bpf_object__find_map_by_name(t.obj, "km_trace_ns");
  bpf_map *self = bpf_object__find_map_by_name(t.obj, "km_trace_self");
  bpf_map *drop = bpf_object__find_map_by_name(t.obj, "km_trace_drop");
  bpf_map *rb = bpf_object__find_map_by_name(t.obj, "km_trace_rb");
  bpf_map *cfg = bpf_object__find_map_by_name(t.obj, "km_trace_cfg");
  if (!ns || !self || !drop || !rb || !cfg) { f = MakeFailure("km_trace maps missing in " + objPath, 0); return false; }
  t.drop_fd = bpf_map__fd(drop);
  uint32_t ino = (uint32_t)NetnsInoOfPath(t.netns);
  if (ino == 0) { f = MakeFailure("stat " + t.netns, errno ? errno : ENOENT); return false; }
  uint8_t yes = 1;
  if (bpf_map_update_elem(bpf_map__fd(ns), &ino, &yes, BPF_ANY)) { f = MakeFailure("km_trace_ns update", errno); return false; }
  uint32_t zero = 0, pid = (uint32_t)getpid();
  if (bpf_map_update_elem(bpf_map__fd(self), &zero, &pid, BPF_ANY)) { f = MakeFailure("km_trace_self update", errno); return false; }
  if (bpf_map_update_elem(bpf_map__fd(cfg), &zero, &mask, BPF_ANY)) { f = MakeFailure("km_trace_cfg update", errno); return false; }
  return t.reader->Open(bpf_map__fd(rb), f);
}

bool AttachTrace(Trace &t, Failure &f) {
  bpf_program *prog;
  bpf_object__for_each_program(prog, t.obj) {
    if (!bpf_program__autoload(prog)) continue;
    std::string name = bpf_program__name(prog);
    if (name == "km_trace_dns_in") {
      if (!t.dns_in.Attach(t.netns, bpf_program__fd(prog), kBpfTcxIngress, f)) return false;
    } else if (name == "km_trace_dns_eg") {
      if (!t.dns_eg.Attach(t.netns, bpf_program__fd(prog), kBpfTcxEgress, f)) return false;
    } else {
      bpf_link *link = bpf_program__attach(prog);
      if (!link) { f = MakeFailure(std::string("attach ") + bpf_program__section_name(prog), errno); return false; }
      t.links.push_back(link);
    }
  }
  return true;
}

// bpfTraceOpen(objectPath, netnsPath, gadgets, onBatch): Promise<handle>
Napi::Value TraceOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsArray() || !info[3].IsFunction())
    return ThrowTypeError(env, "bpfTraceOpen(objectPath, netnsPath, gadgets, onBatch)");
  std::string obj = info[0].As<Napi::String>();
  std::set<std::string> gadgets;
  Napi::Array arr = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) return ThrowTypeError(env, "bpfTraceOpen: gadgets must be strings");
    gadgets.insert(v.As<Napi::String>());
  }
  auto holder = std::make_shared<std::unique_ptr<Trace>>(new Trace());
  (*holder)->netns = info[1].As<Napi::String>();
  (*holder)->reader.reset(new RingReader(env, info[3].As<Napi::Function>(), "km_trace_rb", kMaxPendingBytes));
  return RunAsync(
      env, "km_trace_open",
      [holder, obj, gadgets](Failure &f) { return LoadTrace(**holder, obj, gadgets, f) && AttachTrace(**holder, f); },
      [holder](Napi::Env env) {
        (*holder)->reader->Start();
        return Napi::Number::New(env, g_traces.Add(std::move(*holder)));
      });
}

Trace *HandleArg(const Napi::CallbackInfo &info) {
  return info[0].IsNumber() ? g_traces.Get(info[0].As<Napi::Number>().Uint32Value()) : nullptr;
}

// bpfTraceDrops(h): number[] — ring-buffer reserve failures per gadget id (trace.h order).
Napi::Value TraceDrops(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Trace *t = HandleArg(info);
  if (!t) return ThrowTypeError(env, "bpfTraceDrops(handle)");
  const char *names[KM_TRACE_NGADGETS] = {"0", "1", "2", "3"};
  Napi::Object sums = Napi::Object::New(env);
  SumPerCpuCounters(env, t->drop_fd, names, KM_TRACE_NGADGETS, sums);
  Napi::Array out = Napi::Array::New(env, KM_TRACE_NGADGETS);
  for (uint32_t i = 0; i < KM_TRACE_NGADGETS; i++) out.Set(i, sums.Get(names[i]));
  return out;
}

// bpfTraceInterfaces(h): string[] — where the dns gadget's tcx links are.
Napi::Value TraceInterfaces(const Napi::CallbackInfo &info) {
  Trace *t = HandleArg(info);
  if (!t) return ThrowTypeError(info.Env(), "bpfTraceInterfaces(handle)");
  return t->dns_in.Names(info.Env());
}

// bpfTraceDetach(h): destroys every link (no new records); the maps stay readable for the final counts.
Napi::Value TraceDetach(const Napi::CallbackInfo &info) {
  Trace *t = HandleArg(info);
  if (!t) return ThrowTypeError(info.Env(), "bpfTraceDetach(handle)");
  for (bpf_link *l : t->links) bpf_link__destroy(l);
  t->links.clear();
  t->dns_in.DetachAll();
  t->dns_eg.DetachAll();
  return info.Env().Undefined();
}

// bpfTraceClose(h): drains the ring, queues an empty batch after the last one, frees everything.
Napi::Value TraceClose(const Napi::CallbackInfo &info) {
  if (info[0].IsNumber()) g_traces.Take(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

}  // namespace

void CloseAllTrace() { g_traces.Clear(); }

void RegisterBpfTrace(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfTraceOpen", Napi::Function::New(env, TraceOpen));
  exports.Set("bpfTraceDrops", Napi::Function::New(env, TraceDrops));
  exports.Set("bpfTraceInterfaces", Napi::Function::New(env, TraceInterfaces));
  exports.Set("bpfTraceDetach", Napi::Function::New(env, TraceDetach));
  exports.Set("bpfTraceClose", Napi::Function::New(env, TraceClose));
}

}  // namespace km
