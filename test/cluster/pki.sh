#!/usr/bin/env bash
# Generates the cluster's PKI with openssl (EC P-256: fast) and the kubeconfigs into $PKI and $RUN_DIR:
# CA, apiserver serving cert, admin (system:masters), kubelet client (system:node:<node>), apiserver->kubelet
# client, service-account signing key pair. Kept when already complete, so a restart reuses it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"
mkdir -p "$PKI" && cd "$PKI"
[ -f admin.crt ] && [ -f "$KUBECONFIG_PATH" ] && [ -f "$RUN_DIR/kubelet.kubeconfig" ] && exit 0

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }
# cert NAME SUBJECT EXT: a CA-signed cert with the given extension lines
cert() {
  key "$1"
  printf '%s\n' "[ext]" "$3" > "$1.ext"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -sha256 \
    -extfile "$1.ext" -extensions ext -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
client='keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'

key ca
openssl req -x509 -new -key ca.key -subj "/CN=kmirror-cluster-ca" -days 30 -sha256 -out ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cert apiserver "/CN=kube-apiserver" "keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$NODE_IP,IP:$API_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
cert kubelet-serving "/CN=$NODE_NAME" "keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$NODE_IP,DNS:$NODE_NAME"
cert admin "/O=system:masters/CN=kubernetes-admin" "$client"
cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
chmod 600 ./*.key

# kubeconfig NAME FILE: embeds the CA and NAME's client cert
kubeconfig() {
  local b64='base64 -w0'
  cat > "$2.tmp" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: kmirror
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $($b64 < ca.crt)
users:
- name: $1
  user:
    client-certificate-data: $($b64 < "$1.crt")
    client-key-data: $($b64 < "$1.key")
contexts:
- name: kmirror
  context: {cluster: kmirror, user: $1}
current-context: kmirror
YAML
  chmod 600 "$2.tmp" && mv "$2.tmp" "$2"
}
kubeconfig kubelet "$RUN_DIR/kubelet.kubeconfig"
kubeconfig admin "$KUBECONFIG_PATH"
