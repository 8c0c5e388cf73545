// km_mirror lifecycle: load ebpf/mirror, attach km_mirror_tcx as a tcx ingress link and
// km_mirror_egr as a tcx egress link (copies answers only for ports set with the egress bit) to
// every interface of the target netns (lo included; raw BPF_LINK_CREATE because libbpf 1.1 has no
// tcx API; done on a helper thread inside the netns, where ifindexes and the link's device
// lookup resolve), edit the per-port map, and drain the ring buffer on a native thread that
// hands batches to JS through a ThreadSafeFunction.
//
// Batch format (one Buffer per call): repeated { u32 little-endian length, record bytes }, each
// record a struct km_mirror_event followed by its payload. Memory is bounded: when JS lags by
// more than maxPendingBytes (64 MB) the thread stops draining, the kernel ring fills and drops (the
// agent then reports gaps); the mirrored traffic itself is never slowed.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "../../../ebpf/mirror/mirror.h"
#include "bpf_util.h"

namespace km {
namespace {

constexpr size_t kDefaultMaxPendingBytes = 64u << 20;
constexpr size_t kFlushBytes = 1u << 20;

using Batch = std::vector<uint8_t>;

struct Mirror {
  bpf_object *obj = nullptr;
  int prog_fd = -1, egress_prog_fd = -1, ports_fd = -1, stats_fd = -1;
  std::string netns;
  TcxLinks tcx, tcx_egress;
  ring_buffer *rb = nullptr;
  int stop_fd = -1;
  std::thread consumer;
  bool tsfn_live = false;
  Napi::ThreadSafeFunction tsfn;
  // Shared with queued ThreadSafeFunction calls, which may run after this Mirror is gone.
  std::shared_ptr<std::atomic<size_t>> pending = std::make_shared<std::atomic<size_t>>(0);
  size_t max_pending = kDefaultMaxPendingBytes;
  Batch batch;  // consumer thread only

  void Stop() {
    if (consumer.joinable()) {
      uint64_t one = 1;
      if (write(stop_fd, &one, sizeof one) < 0) { /* the thread also checks every 200 ms */ }
      consumer.join();
    }
    if (tsfn_live) { tsfn.Release(); tsfn_live = false; }
  }
  ~Mirror() {
    Stop();
    tcx.DetachAll();  // detach before the program goes
    tcx_egress.DetachAll();
    if (rb) ring_buffer__free(rb);
    if (stop_fd >= 0) close(stop_fd);
    if (obj) bpf_object__close(obj);
  }
};

Registry<Mirror> g_mirrors;

int OnRecord(void *ctx, void *data, size_t size) {
  auto *m = static_cast<Mirror *>(ctx);
  uint32_t len = (uint32_t)size;
  const uint8_t *p = static_cast<const uint8_t *>(data);
  m->batch.insert(m->batch.end(), reinterpret_cast<uint8_t *>(&len), reinterpret_cast<uint8_t *>(&len) + 4);
  m->batch.insert(m->batch.end(), p, p + size);
  return 0;
}

void Deliver(Napi::Env env, Napi::Function cb, Batch *b) {
  if (env == nullptr) { delete b; return; }
  size_t size = b->size();
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, b->data(), size, [](Napi::Env, uint8_t *, Batch *hint) { delete hint; }, b);
  cb.Call({buf});
}

void Flush(Mirror *m) {
  if (m->batch.empty()) return;
  auto *b = new Batch(std::move(m->batch));
  m->batch = Batch();
  m->batch.reserve(64 * 1024);
  size_t size = b->size();
  std::shared_ptr<std::atomic<size_t>> pending = m->pending;
  *pending += size;
  auto status = m->tsfn.NonBlockingCall(b, [pending, size](Napi::Env env, Napi::Function cb, Batch *b) {
    Deliver(env, cb, b);
    *pending -= size;
  });
  if (status != napi_ok) { *pending -= size; delete b; }
}

void ConsumeLoop(Mirror *m) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = 1;
  epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(m->rb), &ev);
  ev.data.u32 = 2;
  epoll_ctl(ep, EPOLL_CTL_ADD, m->stop_fd, &ev);
  for (;;) {
    if (m->pending->load() > m->max_pending) {  // JS lags: let the kernel ring absorb (and drop)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      uint64_t v;
      if (read(m->stop_fd, &v, sizeof v) == sizeof v) break;
      continue;
    }
    epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, 200);
    bool stop = false;
    for (int i = 0; i < n; i++) stop |= evs[i].data.u32 == 2;
    if (stop) break;
    // Drain in slices so a burst reaches JS in bounded batches.
    for (;;) {
      int got = ring_buffer__consume(m->rb);
      if (got <= 0) break;
      if (m->batch.size() >= kFlushBytes) Flush(m);
      if (m->batch.size() < kFlushBytes) break;
    }
    Flush(m);
  }
  close(ep);
}

bool OpenMirror(const std::string &objPath, Mirror &m, Failure &f) {
  m.obj = bpf_object__open_file(objPath.c_str(), nullptr);
  if (!m.obj) { f = MakeFailure("open BPF object " + objPath, errno); return false; }
  int err = bpf_object__load(m.obj);
  if (err) { f = MakeFailure("load km_mirror_tcx (" + objPath + ")", -err); return false; }
  bpf_program *prog = bpf_object__find_program_by_name(m.obj, "km_mirror_tcx");
  bpf_program *egress = bpf_object__find_program_by_name(m.obj, "km_mirror_egr");
  bpf_map *rbMap = bpf_object__find_map_by_name(m.obj, "km_mirror_rb");
  bpf_map *ports = bpf_object__find_map_by_name(m.obj, "km_mirror_ports");
  bpf_map *stats = bpf_object__find_map_by_name(m.obj, "km_mirror_stats");
  if (!prog || !egress || !rbMap || !ports || !stats) { f = MakeFailure("km_mirror program/maps missing in " + objPath, 0); return false; }
  m.prog_fd = bpf_program__fd(prog);
  m.egress_prog_fd = bpf_program__fd(egress);
  m.ports_fd = bpf_map__fd(ports);
  m.stats_fd = bpf_map__fd(stats);
  m.rb = ring_buffer__new(bpf_map__fd(rbMap), OnRecord, &m, nullptr);
  if (!m.rb) { f = MakeFailure("ring_buffer__new km_mirror_rb", errno); return false; }
  m.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m.stop_fd < 0) { f = MakeFailure("eventfd", errno); return false; }
  return true;
}

Mirror *HandleArg(const Napi::CallbackInfo &info) {
  if (!info[0].IsNumber()) return nullptr;
  return g_mirrors.Get(info[0].As<Napi::Number>().Uint32Value());
}

// bpfMirrorOpen(objectPath, netnsPath, onBatch(buffer), maxPendingBytes?): Promise<handle>. Loads,
// attaches to every interface and starts the consumer thread.
Napi::Value MirrorOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsFunction())
    return ThrowTypeError(env, "bpfMirrorOpen(objectPath, netnsPath, onBatch)");
  std::string obj = info[0].As<Napi::String>();
  auto holder = std::make_shared<std::unique_ptr<Mirror>>(new Mirror());
  (*holder)->netns = info[1].As<Napi::String>();
  if (info[3].IsNumber()) (*holder)->max_pending = (size_t)info[3].As<Napi::Number>().Int64Value();
  (*holder)->tsfn = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "km_mirror_rb", 0, 1);
  (*holder)->tsfn.Unref(env);  // the agent's own handles keep it alive, not the ring reader
  (*holder)->tsfn_live = true;
  return RunAsync(
      env, "km_mirror_open",
      [holder, obj](Failure &f) {
        Mirror &m = **holder;
        if (!OpenMirror(obj, m, f)) return false;
        return m.tcx.Attach(m.netns, m.prog_fd, kBpfTcxIngress, f) && m.tcx_egress.Attach(m.netns, m.egress_prog_fd, kBpfTcxEgress, f);
      },
      [holder](Napi::Env env) {
        Mirror *m = holder->get();
        m->consumer = std::thread(ConsumeLoop, m);
        return Napi::Number::New(env, g_mirrors.Add(std::move(*holder)));
      });
}

// bpfMirrorAttachInterfaces(h): Promise<string[]> — picks up interfaces added since open.
Napi::Value MirrorAttachInterfaces(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Mirror> m = info[0].IsNumber() ? g_mirrors.Share(info[0].As<Napi::Number>().Uint32Value()) : nullptr;
  if (!m) return ThrowTypeError(env, "bpfMirrorAttachInterfaces(handle)");
  return RunAsync(
      env, "km_mirror_attach",
      [m](Failure &f) {
        return m->tcx.Attach(m->netns, m->prog_fd, kBpfTcxIngress, f) && m->tcx_egress.Attach(m->netns, m->egress_prog_fd, kBpfTcxEgress, f);
      },
      [m](Napi::Env env) -> Napi::Value { return m->tcx.Names(env); });
}

Napi::Value MirrorInterfaces(const Napi::CallbackInfo &info) {
  Mirror *m = HandleArg(info);
  if (!m) return ThrowTypeError(info.Env(), "bpfMirrorInterfaces(handle)");
  return m->tcx.Names(info.Env());
}

// bpfMirrorSetPort(h, port, on, withEgress?, bits?): withEgress also copies what the target sends
// from it; bits (KM_MIRROR_CFG_*), when given, is the port's whole config (TCP, egress, UDP).
Napi::Value MirrorSetPort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Mirror *m = HandleArg(info);
  if (!m || !info[1].IsNumber() || !info[2].IsBoolean()) return ThrowTypeError(env, "bpfMirrorSetPort(handle, port, on, withEgress?)");
  double d = info[1].As<Napi::Number>().DoubleValue();
  if (d < 1 || d > 65535 || d != (double)(int)d) return ThrowTypeError(env, "bpfMirrorSetPort: port must be 1-65535");
  uint16_t port = (uint16_t)d;
  bool withEgress = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  km_mirror_port_cfg cfg{KM_MIRROR_CFG_INGRESS | (withEgress ? KM_MIRROR_CFG_EGRESS : 0u)};
  if (info[4].IsNumber()) cfg.enabled = info[4].As<Napi::Number>().Uint32Value() & (KM_MIRROR_CFG_INGRESS | KM_MIRROR_CFG_EGRESS | KM_MIRROR_CFG_UDP);
  return UpdateOrDeleteElem(env, m->ports_fd, &port, &cfg, info[2].As<Napi::Boolean>().Value(), "km_mirror_ports");
}

Napi::Value MirrorStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Mirror *m = HandleArg(info);
  if (!m) return ThrowTypeError(env, "bpfMirrorStats(handle)");
  const char *names[KM_MIRROR_NSTATS] = {"records", "bytes", "lost", "truncated"};
  Napi::Object out = Napi::Object::New(env);
  SumPerCpuCounters(env, m->stats_fd, names, KM_MIRROR_NSTATS, out);
  out.Set("pendingBytes", Napi::Number::New(env, (double)m->pending->load()));
  return out;
}

Napi::Value MirrorClose(const Napi::CallbackInfo &info) {
  if (info[0].IsNumber()) g_mirrors.Take(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

}  // namespace

void CloseAllMirror() { g_mirrors.Clear(); }

void RegisterBpfMirror(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfMirrorOpen", Napi::Function::New(env, MirrorOpen));
  exports.Set("bpfMirrorAttachInterfaces", Napi::Function::New(env, MirrorAttachInterfaces));
  exports.Set("bpfMirrorInterfaces", Napi::Function::New(env, MirrorInterfaces));
  exports.Set("bpfMirrorSetPort", Napi::Function::New(env, MirrorSetPort));
  exports.Set("bpfMirrorStats", Napi::Function::New(env, MirrorStats));
  exports.Set("bpfMirrorClose", Napi::Function::New(env, MirrorClose));
}

}  // namespace km
