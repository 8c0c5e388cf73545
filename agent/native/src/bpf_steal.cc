// km_steal lifecycle: load ebpf/steal (sk_lookup) with libbpf, attach it to a network namespace
// through a bpf_link, and edit its maps: stolen (protocol, port) -> SOCKMAP slot, the agent's
// sockets in the SOCKMAP, exempt source ports (passthrough) and exempt source prefixes (probes).
// All calls run on the Node main thread except the load/attach, which runs on the libuv pool.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "../../../ebpf/steal/steal.h"
#include "bpf_util.h"

namespace km {
namespace {

struct Steal {
  bpf_object *obj = nullptr;
  bpf_link *link = nullptr;
  int ports_fd = -1, socks_fd = -1, exempt_port_fd = -1, exempt_src_fd = -1, stats_fd = -1;
  int udp_rport_fd = -1, udp_reply_prog_fd = -1;
  uint64_t netns_ino = 0;
  std::string netns;
  TcxLinks udp_reply;  // km_udp_reply on every interface's egress, while a UDP port is stolen
  ~Steal() {
    udp_reply.DetachAll();
    if (link) bpf_link__destroy(link);
    if (obj) bpf_object__close(obj);
  }
};

Registry<Steal> g_steals;

int MapFd(bpf_object *obj, const char *name) {
  bpf_map *m = bpf_object__find_map_by_name(obj, name);
  return m ? bpf_map__fd(m) : -1;
}

// Loads the object and attaches km_steal to the netns at nsPath.
bool OpenSteal(const std::string &objPath, const std::string &nsPath, Steal &s, Failure &f) {
  s.obj = bpf_object__open_file(objPath.c_str(), nullptr);
  if (!s.obj) { f = MakeFailure("open BPF object " + objPath, errno); s.obj = nullptr; return false; }
  int err = bpf_object__load(s.obj);
  if (err) { f = MakeFailure("load km_steal (" + objPath + ")", -err); return false; }
  bpf_program *prog = bpf_object__find_program_by_name(s.obj, "km_steal");
  if (!prog) { f = MakeFailure("program km_steal missing in " + objPath, 0); return false; }
  int nsfd = open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) { f = MakeFailure("open netns " + nsPath, errno); return false; }
  s.netns_ino = NetnsInoOfPath(nsPath);
  s.link = bpf_program__attach_netns(prog, nsfd);
  int linkErr = errno;
  close(nsfd);
  if (!s.link) { f = MakeFailure("attach km_steal to netns " + nsPath, linkErr); return false; }
  s.ports_fd = MapFd(s.obj, "km_steal_ports");
  s.socks_fd = MapFd(s.obj, "km_steal_socks");
  s.exempt_port_fd = MapFd(s.obj, "km_exempt_port");
  s.exempt_src_fd = MapFd(s.obj, "km_exempt_src");
  s.stats_fd = MapFd(s.obj, "km_steal_stats");
  s.udp_rport_fd = MapFd(s.obj, "km_udp_rport");
  bpf_program *reply = bpf_object__find_program_by_name(s.obj, "km_udp_reply");
  s.udp_reply_prog_fd = reply ? bpf_program__fd(reply) : -1;
  s.netns = nsPath;
  if (s.ports_fd < 0 || s.socks_fd < 0 || s.exempt_port_fd < 0 || s.exempt_src_fd < 0 || s.stats_fd < 0 ||
      s.udp_rport_fd < 0 || s.udp_reply_prog_fd < 0) {
    f = MakeFailure("km_steal maps missing in " + objPath, 0);
    return false;
  }
  return true;
}

// bpfStealOpen(objectPath, netnsPath): Promise<handle>
Napi::Value StealOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString()) return ThrowTypeError(env, "bpfStealOpen(objectPath, netnsPath)");
  std::string obj = info[0].As<Napi::String>(), ns = info[1].As<Napi::String>();
  auto steal = std::make_shared<std::unique_ptr<Steal>>(new Steal());
  return RunAsync(
      env, "km_steal_open",
      [steal, obj, ns](Failure &f) { return OpenSteal(obj, ns, **steal, f); },
      [steal](Napi::Env env) { return Napi::Number::New(env, g_steals.Add(std::move(*steal))); });
}

Steal *HandleArg(const Napi::CallbackInfo &info) {
  if (!info[0].IsNumber()) return nullptr;
  return g_steals.Get(info[0].As<Napi::Number>().Uint32Value());
}

bool ProtocolArg(const Napi::Value &v, uint8_t &proto) {
  if (!v.IsString()) return false;
  std::string p = v.As<Napi::String>();
  if (p == "tcp") proto = 6;
  else if (p == "udp") proto = 17;
  else return false;
  return true;
}

bool PortArg(const Napi::Value &v, uint16_t &port) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (d < 1 || d > 65535 || d != (double)(int)d) return false;
  port = (uint16_t)d;
  return true;
}

// bpfStealSetPort(h, 'tcp'|'udp', port, slot) / bpfStealDeletePort(h, proto, port)
Napi::Value StealSetPort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  km_steal_port_key k{};
  if (!s || !ProtocolArg(info[1], k.protocol) || !PortArg(info[2], k.port) || !info[3].IsNumber())
    return ThrowTypeError(env, "bpfStealSetPort(handle, 'tcp'|'udp', port 1-65535, slot)");
  km_steal_port_val v{info[3].As<Napi::Number>().Uint32Value()};
  if (v.slot >= KM_STEAL_MAX_SOCKS) return ThrowTypeError(env, "bpfStealSetPort: slot out of range");
  if (bpf_map_update_elem(s->ports_fd, &k, &v, BPF_ANY)) return ThrowFailure(env, MakeFailure("km_steal_ports update", errno));
  return env.Undefined();
}

Napi::Value StealDeletePort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  km_steal_port_key k{};
  if (!s || !ProtocolArg(info[1], k.protocol) || !PortArg(info[2], k.port))
    return ThrowTypeError(env, "bpfStealDeletePort(handle, 'tcp'|'udp', port)");
  if (bpf_map_delete_elem(s->ports_fd, &k) && errno != ENOENT)
    return ThrowFailure(env, MakeFailure("km_steal_ports delete", errno));
  return env.Undefined();
}

// bpfStealSetSocket(h, slot, fd): the socket must live in the attached netns (checked with
// SIOCGSKNS: a socket from another netns is accepted by bpf_sk_assign and black-holes clients).
Napi::Value StealSetSocket(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  if (!s || !info[1].IsNumber() || !info[2].IsNumber()) return ThrowTypeError(env, "bpfStealSetSocket(handle, slot, fd)");
  uint32_t slot = info[1].As<Napi::Number>().Uint32Value();
  int fd = info[2].As<Napi::Number>().Int32Value();
  if (slot >= KM_STEAL_MAX_SOCKS) return ThrowTypeError(env, "bpfStealSetSocket: slot out of range");
  uint64_t ino = NetnsInoOfSocket(fd);
  if (ino == 0) return ThrowFailure(env, MakeFailure("SIOCGSKNS on fd " + std::to_string(fd), errno));
  if (ino != s->netns_ino)
    return ThrowFailure(env, MakeFailure("socket fd " + std::to_string(fd) + " is in netns " + std::to_string(ino) +
                                             ", not the target netns " + std::to_string(s->netns_ino), 0));
  uint64_t value = (uint64_t)fd;
  if (bpf_map_update_elem(s->socks_fd, &slot, &value, BPF_ANY))
    return ThrowFailure(env, MakeFailure("km_steal_socks insert fd " + std::to_string(fd), errno));
  return env.Undefined();
}

Napi::Value StealDeleteSocket(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  if (!s || !info[1].IsNumber()) return ThrowTypeError(env, "bpfStealDeleteSocket(handle, slot)");
  uint32_t slot = info[1].As<Napi::Number>().Uint32Value();
  if (bpf_map_delete_elem(s->socks_fd, &slot) && errno != ENOENT && errno != EINVAL)
    return ThrowFailure(env, MakeFailure("km_steal_socks delete", errno));
  return env.Undefined();
}

// bpfStealExemptPort(h, sourcePort, on)
Napi::Value StealExemptPort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  uint16_t port;
  if (!s || !PortArg(info[1], port) || !info[2].IsBoolean()) return ThrowTypeError(env, "bpfStealExemptPort(handle, port, on)");
  uint8_t one = 1;
  return UpdateOrDeleteElem(env, s->exempt_port_fd, &port, &one, info[2].As<Napi::Boolean>().Value(), "km_exempt_port");
}

// bpfStealExemptSource(h, address, prefixLen, on): prefixLen counts bits of the given family.
Napi::Value StealExemptSource(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  if (!s || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsBoolean())
    return ThrowTypeError(env, "bpfStealExemptSource(handle, address, prefixLen, on)");
  km_exempt_src_key k{};
  bool v4 = false;
  std::string addr = info[1].As<Napi::String>();
  if (!ParseAddress16(addr, k.addr, &v4)) return ThrowTypeError(env, "bpfStealExemptSource: invalid address " + addr);
  int plen = info[2].As<Napi::Number>().Int32Value();
  if (plen < 0 || plen > (v4 ? 32 : 128)) return ThrowTypeError(env, "bpfStealExemptSource: invalid prefix length");
  k.prefixlen = v4 ? 96 + plen : plen;
  uint8_t one = 1;
  return UpdateOrDeleteElem(env, s->exempt_src_fd, &k, &one, info[3].As<Napi::Boolean>().Value(), "km_exempt_src");
}

// bpfStealStats(h): counters summed over CPUs.
Napi::Value StealStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  if (!s) return ThrowTypeError(env, "bpfStealStats(handle)");
  const char *names[KM_STEAL_NSTATS] = {"lookups", "assigned", "assignErrors", "exempted", "noSocket"};
  Napi::Object out = Napi::Object::New(env);
  SumPerCpuCounters(env, s->stats_fd, names, KM_STEAL_NSTATS, out);
  return out;
}

// bpfStealUdpReplyPort(h, agentPort, stolenPort, on): rewrite the agent socket's replies.
Napi::Value StealUdpReplyPort(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Steal *s = HandleArg(info);
  uint16_t from, to;
  if (!s || !PortArg(info[1], from) || !PortArg(info[2], to) || !info[3].IsBoolean())
    return ThrowTypeError(env, "bpfStealUdpReplyPort(handle, agentPort, stolenPort, on)");
  return UpdateOrDeleteElem(env, s->udp_rport_fd, &from, &to, info[3].As<Napi::Boolean>().Value(), "km_udp_rport");
}

// bpfStealAttachUdpReply(h): Promise<string[]> — km_udp_reply on the egress of every interface.
Napi::Value StealAttachUdpReply(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Steal> s = info[0].IsNumber() ? g_steals.Share(info[0].As<Napi::Number>().Uint32Value()) : nullptr;
  if (!s) return ThrowTypeError(env, "bpfStealAttachUdpReply(handle)");
  return RunAsync(
      env, "km_udp_reply_attach",
      [s](Failure &f) { return s->udp_reply.Attach(s->netns, s->udp_reply_prog_fd, kBpfTcxEgress, f); },
      [s](Napi::Env env) -> Napi::Value { return s->udp_reply.Names(env); });
}

Napi::Value StealClose(const Napi::CallbackInfo &info) {
  if (info[0].IsNumber()) g_steals.Take(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

}  // namespace

void CloseAllSteal() { g_steals.Clear(); }

void RegisterBpfSteal(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfStealOpen", Napi::Function::New(env, StealOpen));
  exports.Set("bpfStealSetPort", Napi::Function::New(env, StealSetPort));
  exports.Set("bpfStealDeletePort", Napi::Function::New(env, StealDeletePort));
  exports.Set("bpfStealSetSocket", Napi::Function::New(env, StealSetSocket));
  exports.Set("bpfStealDeleteSocket", Napi::Function::New(env, StealDeleteSocket));
  exports.Set("bpfStealExemptPort", Napi::Function::New(env, StealExemptPort));
  exports.Set("bpfStealExemptSource", Napi::Function::New(env, StealExemptSource));
  exports.Set("bpfStealStats", Napi::Function::New(env, StealStats));
  exports.Set("bpfStealUdpReplyPort", Napi::Function::New(env, StealUdpReplyPort));
  exports.Set("bpfStealAttachUdpReply", Napi::Function::New(env, StealAttachUdpReply));
  exports.Set("bpfStealClose", Napi::Function::New(env, StealClose));
}

}  // namespace km
