# The peers the gateway is measured against (sourced after common.sh): nginx and HAProxy as
# TLS-verifying reverse proxies in front of the upstream started by start_upstream. They verify
# the upstream's certificate against that very certificate (they cannot verify an RA-TLS quote;
# a pinned certificate is their closest equivalent). The caller defines `tmp`, `here` and `pids`.

# Installs what is missing (Debian packages, through the project's script) and finds /usr/sbin.
ensure_peer_tools() {
  local tool
  for tool in wrk nginx haproxy openssl curl; do
    command -v "$tool" >/dev/null || PATH="$PATH:/usr/sbin" command -v "$tool" >/dev/null ||
      bash "$here/../scripts/install-deps.sh" --bench
  done
  export PATH="$PATH:/usr/sbin"
}

# $tmp/upstream.pem: the certificate the upstream presents, which the peers trust.
fetch_upstream_certificate() {
  openssl s_client -connect "127.0.0.1:$app_port" </dev/null 2>/dev/null |
    sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >"$tmp/upstream.pem"
}

# nginx with WORKERS workers, each taking CONNECTIONS connections, upstream keepalive, the
# certificate verified; sets ng_port and ng_pid.
start_nginx() {
  local workers=$1 connections=$2
  ng_port=$(free_port)
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<NGINX
worker_processes $workers;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections $connections; }
worker_rlimit_nofile $((connections + 1000));
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body; proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fcgi; uwsgi_temp_path $tmp/nginx/uwsgi; scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;
  upstream app { server 127.0.0.1:$app_port; keepalive 64; }
  server {
    listen 127.0.0.1:$ng_port;
    location / {
      proxy_pass https://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate $tmp/upstream.pem;
      proxy_ssl_name localhost;
      proxy_ssl_session_reuse off;
    }
  }
}
NGINX
  nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" -g 'daemon off;' \
    2>"$tmp/nginx/stderr" &
  ng_pid=$!
  pids+=("$ng_pid")
}

# HAProxy with THREADS threads and at most MAXCONN connections, connection reuse, the
# certificate verified; sets hp_port and hp_pid.
start_haproxy() {
  local threads=$1 maxconn=$2
  hp_port=$(free_port)
  cat >"$tmp/haproxy.cfg" <<HAPROXY
global
  maxconn $maxconn
  nbthread $threads
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend front
  bind 127.0.0.1:$hp_port
  default_backend app
backend app
  http-reuse always
  server s 127.0.0.1:$app_port ssl verify required ca-file $tmp/upstream.pem verifyhost localhost no-ssl-reuse
HAPROXY
  haproxy -f "$tmp/haproxy.cfg" -db 2>"$tmp/haproxy.err" &
  hp_pid=$!
  pids+=("$hp_pid")
}
