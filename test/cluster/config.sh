# Versions, paths, fixed names, ports and address ranges of the kmirror test cluster.
# Sourced by every script in test/cluster/. Names and ports are unusual on purpose: the machine is shared.

# Kubernetes 1.34 is the newest minor whose kubelet runs on cgroup v1 by default (1.35 needs failCgroupV1: false)
# and still supports containerd 1.x. v1.34.4 is the newest 1.34 patch the Go module proxy serves.
K8S_VERSION=${KMIRROR_K8S_VERSION:-1.34.4}
COREDNS_VERSION=${KMIRROR_COREDNS_VERSION:-1.14.7}

CLUSTER_CACHE=${KMIRROR_CLUSTER_CACHE:-$HOME/.cache/kmirror-cluster}
K8S_BIN=$CLUSTER_CACHE/k8s-v$K8S_VERSION
COREDNS_BIN=$CLUSTER_CACHE/coredns-v$COREDNS_VERSION
IMAGE_CACHE=$CLUSTER_CACHE/images
RUN_DIR=$CLUSTER_CACHE/run                 # all runtime state; admin.kubeconfig and kubectl live here
KUBECONFIG_PATH=$RUN_DIR/admin.kubeconfig
PKI=$RUN_DIR/pki
LOGS=$RUN_DIR/logs

NODE_NAME=kmirror-node
BRIDGE=kmirror-br0
POD_CIDR=10.218.0.0/24
NODE_IP=10.218.0.1                          # the bridge's own address: node InternalIP, apiserver advertise address
SERVICE_CIDR=10.219.0.0/24
API_SERVICE_IP=10.219.0.1
DNS_SERVICE_IP=10.219.0.10
CLUSTER_DOMAIN=cluster.local
CGROUP_ROOT=kmirror-cluster                # kubelet's pods live under /sys/fs/cgroup/<controller>/kmirror-cluster

ETCD_PORT=24379
ETCD_PEER_PORT=24380
API_PORT=16443
KUBELET_PORT=20250
KUBELET_HEALTHZ_PORT=20248
KCM_PORT=20257
SCHEDULER_PORT=20259
PROXY_HEALTHZ_PORT=20256
PROXY_METRICS_PORT=20249

CONTAINERD_SOCK=$RUN_DIR/containerd/containerd.sock
PAUSE_IMAGE=registry.k8s.io/pause:3.10
# the fixed-name host resources (bridge, cgroup root, ports, iptables chains, pod netns) belong to one run dir at a time
HOST_OWNER_FILE=/run/kmirror-cluster.owner
COMPONENTS="etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"
